import { parseIp } from '../geoip/ip-address.js';
import { ACTIVE, type EnrichedSession, type Session } from '../snapshot/session.js';

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
  readonly sessions: readonly EnrichedSession[];
}

export function tenantSessions(sessions: readonly EnrichedSession[], tenant: string): EnrichedSession[] {
  return sessions.filter((s) => s.tenant === tenant);
}

export function listSessions(sessions: readonly EnrichedSession[], query: SessionListQuery): SessionPage {
  const matching = sessions.filter(listFilter(query)).sort(sessionOrder(query.sort));
  const total = matching.length;
  const totalPages = total === 0 ? 0 : Number((BigInt(total) + query.size - 1n) / query.size);
  const offset = (query.page - 1n) * query.size;
  if (offset >= BigInt(total)) return { total, totalPages, sessions: [] };
  const end = offset + query.size;
  return { total, totalPages, sessions: matching.slice(Number(offset), end >= BigInt(total) ? total : Number(end)) };
}

/** Sessions with this id, on one observer when given: ids are unique per observer only. */
export function findSessions(sessions: readonly EnrichedSession[], id: bigint, observer: ObserverFilter | null): EnrichedSession[] {
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

function listFilter(query: SessionListQuery): (s: EnrichedSession) => boolean {
  const user = query.user.toLowerCase();
  const db = query.db.toLowerCase();
  const host = query.host.toLowerCase();
  const id = query.id === 0n ? null : safeNumber(query.id);
  return (s) =>
    (!query.activeOnly || s.state === ACTIVE) &&
    (id === null || s.id === id) &&
    contains(s.user, user) &&
    contains(s.db, db) &&
    contains(s.client_ip, host) &&
    (query.observers.length === 0 || query.observers.some((o) => onObserver(s, o)));
}

function contains(value: string, part: string): boolean {
  return part === '' || value.toLowerCase().includes(part);
}

function onObserver(s: EnrichedSession, observer: ObserverFilter): boolean {
  return (observer.port === null || s.svr_port === observer.port) && addressKey(s.svr_ip) === observer.address;
}

/** Ids beyond 2^53 match nothing rather than a rounded neighbour. */
function safeNumber(id: bigint): number {
  return id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : Number.NaN;
}

/** The requested order, then (id, svr_ip, svr_port) ascending so that pages never overlap. */
function sessionOrder(sort: SessionSort | null): (a: EnrichedSession, b: EnrichedSession) => number {
  const tieBreak = (a: EnrichedSession, b: EnrichedSession) =>
    compare(a.id, b.id) || compare(a.svr_ip, b.svr_ip) || compare(a.svr_port, b.svr_port);
  if (sort === null) return tieBreak;
  const sign = sort.descending ? -1 : 1;
  return (a, b) => sign * compare(a[sort.key], b[sort.key]) || tieBreak(a, b);
}

/** Code-unit order for text: the same on every machine, unlike localeCompare. */
export function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
