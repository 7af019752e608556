import { parseIp } from '../geoip/ip-address.js';
import { ACTIVE, type Session } from '../snapshot/session.js';

/**
 * The session list of obshell's tenant session API (seed `obshell-tenant-session-list.txt`) as
 * pure functions over a snapshot's sessions, with the "do better" semantics of the reference:
 * totals count every match, sorting is total and stable, filters never reach SQL.
 */

/** obshell's default page size: "everything" for any real tenant. */
export const DEFAULT_PAGE_SIZE = 2_147_483_647n;
export const DEFAULT_PAGE = 1n;

/** The fields of obshell's TenantSession that the snapshot keeps (all but `info`), in the seed's order. */
const SESSION_FIELDS = {
  id: true,
  svr_ip: true,
  svr_port: true,
  sql_port: true,
  user: true,
  db: true,
  tenant: true,
  host: true,
  command: true,
  time: true,
  state: true,
  proxy_sess_id: true,
  proxy_ip: true,
  action: true,
  module: true,
  client_info: true,
  level: true,
  sample_percentage: true,
  record_policy: true,
  sql_id: true,
  total_cpu_time: true,
  memory_usage: true,
} as const satisfies Partial<Record<keyof Session, true>>;

export type ObshellSessionField = keyof typeof SESSION_FIELDS;

/** Session fields a list sorts by. `info` is not here: it is not in the snapshot (clarification 5). */
export type SortKey = ObshellSessionField | 'client_ip';

const JSON_SORT_FIELDS = Object.keys(SESSION_FIELDS) as ObshellSessionField[];

/**
 * obshell's column names where they differ from the JSON names. HOST needs no alias: a name
 * always takes its JSON meaning (clarification 5), and JSON `host` is the real client.
 */
const COLUMN_SORT_ALIASES: Readonly<Record<string, SortKey>> = { PROXY_SESSID: 'proxy_sess_id', USER_CLIENT_IP: 'client_ip' };

const SORT_KEYS = new Map<string, SortKey>([
  ...JSON_SORT_FIELDS.map((key) => [key.toUpperCase(), key] as const),
  ...Object.entries(COLUMN_SORT_ALIASES),
]);

/** Every accepted sort name, for the message of a 400. */
export const SORT_FIELD_NAMES: readonly string[] = [...JSON_SORT_FIELDS, ...Object.keys(COLUMN_SORT_ALIASES)];

/** A sort name, JSON or column, in any case; undefined when unknown. */
export function sortKeyOf(name: string): SortKey | undefined {
  return SORT_KEYS.get(name.toUpperCase());
}

export interface SessionSort {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** One `observer_list` entry: an observer address, with or without its RPC port. */
export interface ObserverFilter {
  /** addressKey of the IP. */
  readonly address: string;
  readonly port: number | null;
}

export interface SessionListQuery {
  /** Substrings, matched case-insensitively; "" matches everything. */
  readonly user: string;
  readonly db: string;
  /** Substring of the real client address (client_ip), IPv4 or IPv6. */
  readonly host: string;
  /** Exact session id; 0 means no filter (as in obshell). */
  readonly id: bigint;
  /** Sessions on any of these observers; empty means all. */
  readonly observers: readonly ObserverFilter[];
  readonly activeOnly: boolean;
  readonly sort: SessionSort | null;
  /** 1-based; any uint64. */
  readonly page: bigint;
  /** At least 1; any uint64. */
  readonly size: bigint;
}

export const DEFAULT_LIST_QUERY: SessionListQuery = {
  user: '',
  db: '',
  host: '',
  id: 0n,
  observers: [],
  activeOnly: false,
  sort: null,
  page: DEFAULT_PAGE,
  size: DEFAULT_PAGE_SIZE,
};

export interface SessionPage {
  /** Sessions matching the filters, on every page. */
  readonly total: number;
  readonly totalPages: number;
  readonly sessions: readonly Session[];
}

/** Each snapshot's sessions by tenant, made at the first request that needs them: snapshots never change. */
const byTenant = new WeakMap<readonly Session[], Groups>();

type Groups = ReadonlyMap<string, readonly Session[]>;

export function tenantSessions(sessions: readonly Session[], tenant: string): readonly Session[] {
  return memoized(byTenant, sessions, () => groupBy(sessions, (s) => s.tenant)).get(tenant) ?? [];
}

export function listSessions(sessions: readonly Session[], query: SessionListQuery): SessionPage {
  const matching = candidates(sessions, query).filter(listFilter(query));
  const total = matching.length;
  const totalPages = total === 0 ? 0 : Number((BigInt(total) + query.size - 1n) / query.size);
  const offset = (query.page - 1n) * query.size;
  if (offset >= BigInt(total)) return { total, totalPages, sessions: [] };
  const end = offset + query.size >= BigInt(total) ? total : Number(offset + query.size);
  return { total, totalPages, sessions: firstInOrder(matching, end, sessionOrder(query.sort)).slice(Number(offset)) };
}

type SubstringField = 'user' | 'db' | 'client_ip';

/** A tenant's sessions grouped by each field a substring filter reads, made when a filter first asks. */
const byField = new WeakMap<readonly Session[], Map<SubstringField, Groups>>();

/**
 * The sessions the substring filters can match: the groups of the most selective filter's
 * matching values. Scanning every one of 100k sessions costs milliseconds in memory reads alone;
 * a tenant's sessions share a few hundred users, schemas and addresses, which are tested instead.
 * Order does not matter: the list is sorted by a total order afterwards.
 */
function candidates(sessions: readonly Session[], query: SessionListQuery): readonly Session[] {
  const filters = ([['user', query.user], ['db', query.db], ['client_ip', query.host]] as const).filter(([, part]) => part !== '');
  let best: { groups: Array<readonly Session[]>; count: number } | null = null;
  for (const [field, part] of filters) {
    const test = containing(part);
    const groups = [...fieldGroups(sessions, field)].filter(([value]) => test(value)).map(([, group]) => group);
    const count = groups.reduce((sum, group) => sum + group.length, 0);
    if (best === null || count < best.count) best = { groups, count };
  }
  return best === null ? sessions : best.groups.flat();
}

function fieldGroups(sessions: readonly Session[], field: SubstringField): Groups {
  const fields = memoized(byField, sessions, () => new Map<SubstringField, Groups>());
  let groups = fields.get(field);
  if (groups === undefined) {
    groups = groupBy(sessions, (s) => s[field]);
    fields.set(field, groups);
  }
  return groups;
}

function memoized<K extends object, V>(cache: WeakMap<K, V>, key: K, build: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = build();
    cache.set(key, value);
  }
  return value;
}

/** Sessions by one field's value, each group in snapshot order. */
function groupBy(sessions: readonly Session[], keyOf: (s: Session) => string): Groups {
  const groups = new Map<string, Session[]>();
  for (const s of sessions) {
    const key = keyOf(s);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s]);
    else group.push(s);
  }
  return groups;
}

/**
 * The first `count` items of `items` in `order`, sorted. A UI asks for an early page of a large
 * list: keeping the best `count` in a heap costs n log(count) against n log(n) for a full sort
 * (a first page of 10 out of 100k: 2 ms instead of 60). `order` is total, so both give the same page.
 */
export function firstInOrder<T>(items: T[], count: number, order: (a: T, b: T) => number): T[] {
  if (count <= 0) return [];
  if (count * 8 >= items.length) return items.sort(order).slice(0, count);
  // A max-heap of the best so far: its root is the worst of them, the one a better item replaces.
  const heap: T[] = [];
  for (const item of items) {
    if (heap.length < count) {
      heap.push(item);
      siftUp(heap, heap.length - 1, order);
    } else if (order(item, heap[0]!) < 0) {
      heap[0] = item;
      siftDown(heap, 0, order);
    }
  }
  return heap.sort(order);
}

function siftUp<T>(heap: T[], at: number, order: (a: T, b: T) => number): void {
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (order(heap[at]!, heap[parent]!) <= 0) return;
    [heap[at], heap[parent]] = [heap[parent]!, heap[at]!];
    at = parent;
  }
}

function siftDown<T>(heap: T[], at: number, order: (a: T, b: T) => number): void {
  for (;;) {
    const left = 2 * at + 1;
    let largest = at;
    if (left < heap.length && order(heap[left]!, heap[largest]!) > 0) largest = left;
    if (left + 1 < heap.length && order(heap[left + 1]!, heap[largest]!) > 0) largest = left + 1;
    if (largest === at) return;
    [heap[at], heap[largest]] = [heap[largest]!, heap[at]!];
    at = largest;
  }
}

/** Sessions with this id, on one observer when given: ids are unique per observer only. */
export function findSessions(sessions: readonly Session[], id: bigint, observer: ObserverFilter | null): Session[] {
  const wanted = safeNumber(id);
  return sessions.filter((s) => s.id === wanted && (observer === null || onObserver(s, observer)));
}

/**
 * A comparable form of an IP address, so that `2001:DB8::1` and `2001:db8:0::1` are the same
 * observer; text that is not an IP compares as itself.
 */
export function addressKey(text: string): string {
  const ip = parseIp(text);
  return ip === null ? text.toLowerCase() : `${ip.version}/${ip.bytes.join('.')}`;
}

function listFilter(query: SessionListQuery): (s: Session) => boolean {
  const user = containing(query.user);
  const db = containing(query.db);
  const host = containing(query.host);
  const id = query.id === 0n ? null : safeNumber(query.id);
  return (s) =>
    (!query.activeOnly || s.state === ACTIVE) &&
    (id === null || s.id === id) &&
    user(s.user) &&
    db(s.db) &&
    host(s.client_ip) &&
    (query.observers.length === 0 || query.observers.some((o) => onObserver(s, o)));
}

/**
 * A case-insensitive substring test that lowers each distinct value once: a tenant's 100k
 * sessions share a few hundred users, schemas and addresses (the source pools their strings).
 */
function containing(part: string): (value: string) => boolean {
  if (part === '') return () => true;
  const lowered = part.toLowerCase();
  const seen = new Map<string, boolean>();
  return (value) => {
    let found = seen.get(value);
    if (found === undefined) {
      found = value.toLowerCase().includes(lowered);
      seen.set(value, found);
    }
    return found;
  };
}

function onObserver(s: Session, observer: ObserverFilter): boolean {
  return (observer.port === null || s.svr_port === observer.port) && addressKey(s.svr_ip) === observer.address;
}

/** Ids beyond 2^53 match nothing rather than a rounded neighbour. */
function safeNumber(id: bigint): number {
  return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : Number.NaN;
}

/** The requested order, then (id, svr_ip, svr_port) ascending so that pages never overlap. */
function sessionOrder(sort: SessionSort | null): (a: Session, b: Session) => number {
  const tieBreak = (a: Session, b: Session) =>
    compare(a.id, b.id) || compare(a.svr_ip, b.svr_ip) || compare(a.svr_port, b.svr_port);
  if (sort === null) return tieBreak;
  const sign = sort.descending ? -1 : 1;
  return (a, b) => sign * compare(a[sort.key], b[sort.key]) || tieBreak(a, b);
}

/** Code-unit order for text: the same on every machine, unlike localeCompare. */
export function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
