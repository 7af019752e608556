import { ACTIVE, SLEEP, type SessionGroup } from '../snapshot/session.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { runAtOnce, runInSlices } from '../event-loop/time-slices.js';
import { CountTree } from './count-tree.js';
import { OTHER, topValues } from './top-n.js';

export type Labels = Readonly<Record<string, string>>;

export interface Series {
  readonly labels: Labels;
  readonly value: number;
}

/** Every session gauge of one snapshot: what /metrics and OTLP both publish. */
export interface SessionSeries {
  /** target, tenant, db, user, state (db and user folded to top N per tenant). */
  readonly sessions: readonly Series[];
  /** target, tenant, state; zero-filled for every known tenant and ACTIVE/SLEEP. */
  readonly tenantSessions: readonly Series[];
  /** target, tenant, client_ip (top N per tenant), country. */
  readonly clientSessions: readonly Series[];
  /** target, tenant: longest TIME among ACTIVE sessions, 0 when none. */
  readonly maxActiveTimeSeconds: readonly Series[];
  /** target, tenant: where the limit could be read. */
  readonly connectionLimit: readonly Series[];
  /** target, svr_ip. */
  readonly observerSessions: readonly Series[];
  /** target, tenant, country, continent (exact: about 250 values at most). */
  readonly countrySessions: readonly Series[];
  /** target, tenant, client, version (top N per tenant), support. */
  readonly clientVersionSessions: readonly Series[];
}

export interface FoldingLimits {
  readonly max_clients_per_tenant: number;
  readonly max_dbs_per_tenant: number;
  readonly max_users_per_tenant: number;
  readonly max_versions_per_tenant: number;
}

/** Sessions counted per step of the observer pass: a step per session would cost more than the counting. */
const SESSIONS_PER_STEP = 256;

/**
 * Session states OceanBase and the MySQL flavor report. STATE comes from the server, and a label
 * must stay bounded whatever it holds, so anything else is counted as OTHER (the JSON APIs still
 * show the state as read).
 */
const KNOWN_STATES: ReadonlySet<string> = new Set([ACTIVE, SLEEP, 'INIT', 'QUERY_KILLED', 'SESSION_KILLED']);

export function stateLabel(state: string): string {
  return KNOWN_STATES.has(state) ? state : 'OTHER';
}

/**
 * Everything the per-tenant gauges need from one tenant's session groups, gathered in one pass:
 * three label paths per group, from which every count below is summed over distinct paths.
 */
class TenantTally {
  /** db -> user -> state. */
  readonly schemas = new CountTree();
  /** client_ip -> country -> continent. */
  readonly clients = new CountTree();
  /** client -> version -> support. */
  readonly versions = new CountTree();
  maxActiveTime = 0;

  add(g: SessionGroup): void {
    const n = g.sessions;
    this.schemas.add(g.db, n).add(g.user, n).add(stateLabel(g.state), n);
    this.clients.add(g.client_ip, n).add(g.location.country, n).add(g.location.continent, n);
    this.versions.add(g.client.client, n).add(g.client.version, n).add(g.client.support, n);
    if (g.state === ACTIVE && g.maxTime > this.maxActiveTime) this.maxActiveTime = g.maxTime;
  }
}

/** Tallies of one snapshot: what every gauge needs, whatever the folding limits. */
class SeriesTally {
  readonly tenants = new Map<string, TenantTally>();
  readonly observers = new CountTree();

  add(group: SessionGroup): void {
    let tenant = this.tenants.get(group.tenant);
    if (!tenant) {
      tenant = new TenantTally();
      this.tenants.set(group.tenant, tenant);
    }
    tenant.add(group);
  }
}

/**
 * Series named `names`, summed over the tree's paths by the label values `labelsOf` takes from
 * each path: the sums are gathered in a tree of their own, so no key string is built per path.
 */
function seriesOf(tree: CountTree, names: readonly string[], labelsOf: (path: readonly string[]) => readonly string[], base: Labels): Series[] {
  const sums = new CountTree();
  tree.forEachPath(3, (path, count) => {
    let node = sums;
    for (const value of labelsOf(path)) node = node.add(value, count);
  });
  const series: Series[] = [];
  sums.forEachPath(names.length, (values, value) => series.push({ labels: withLabels(base, names, values), value }));
  return series;
}

/**
 * Built up from an empty object in a fixed order: a spread copy of `base` with keys added after
 * it would give every label object its own hidden class.
 */
function withLabels(base: Labels, names: readonly string[], values: readonly string[]): Labels {
  const labels: Record<string, string> = {};
  for (const name in base) labels[name] = base[name] ?? '';
  names.forEach((name, i) => {
    labels[name] = values[i] ?? '';
  });
  return labels;
}

const versionKey = (client: string, version: string): string => `${client}/${version}`;

/** The series of one snapshot as steps (one per group, then per session observed): see foldSteps. */
function* seriesSteps(snapshot: TargetSnapshot, limits: FoldingLimits): Generator<void, SessionSeries> {
  const tally = new SeriesTally();
  for (const group of snapshot.groups) {
    tally.add(group);
    yield;
  }
  // Groups do not keep the observer, which would split them six ways on a six-observer cluster.
  const sessions = snapshot.sessions;
  for (let i = 0; i < sessions.length; i++) {
    tally.observers.add(sessions[i]!.svr_ip);
    if (i % SESSIONS_PER_STEP === 0) yield;
  }
  return yield* foldSteps(snapshot, tally, limits);
}

/**
 * The series from the tally of a snapshot's sessions, as steps (one per tenant) so that they can
 * run at once or in time slices. Known tenants come first and get zero-filled series.
 */
function* foldSteps(snapshot: TargetSnapshot, tally: SeriesTally, limits: FoldingLimits): Generator<void, SessionSeries> {
  const target = snapshot.target;
  const tenants = new Map<string, TenantTally>(snapshot.tenants.map((t) => [t.name, tally.tenants.get(t.name) ?? new TenantTally()]));
  for (const [name, t] of tally.tenants) if (!tenants.has(name)) tenants.set(name, t);
  const result = {
    sessions: [] as Series[],
    tenantSessions: [] as Series[],
    clientSessions: [] as Series[],
    maxActiveTimeSeconds: [] as Series[],
    connectionLimit: [] as Series[],
    observerSessions: [...tally.observers.counts()].map(([svrIp, value]) => ({ labels: withLabels({ target }, ['svr_ip'], [svrIp]), value })),
    countrySessions: [] as Series[],
    clientVersionSessions: [] as Series[],
  };
  for (const [tenant, t] of tenants) {
    const base = { target, tenant };
    const db = topValues(t.schemas.counts(), limits.max_dbs_per_tenant);
    const user = topValues(t.schemas.sumBy(3, ([, u = '']) => u), limits.max_users_per_tenant);
    const client = topValues(t.clients.counts(), limits.max_clients_per_tenant);
    const version = topValues(t.versions.sumBy(3, ([c = '', v = '']) => versionKey(c, v)), limits.max_versions_per_tenant);
    result.sessions.push(...seriesOf(t.schemas, ['db', 'user', 'state'], ([d = '', u = '', st = '']) => [db(d), user(u), st], base));
    result.tenantSessions.push(...tenantStates(t.schemas, base));
    result.clientSessions.push(...seriesOf(t.clients, ['client_ip', 'country'], ([c = '', country = '']) => [client(c), country], base));
    result.maxActiveTimeSeconds.push({ labels: base, value: t.maxActiveTime });
    result.countrySessions.push(...seriesOf(t.clients, ['country', 'continent'], ([, country = '', continent = '']) => [country, continent], base));
    result.clientVersionSessions.push(
      ...seriesOf(
        t.versions,
        ['client', 'version', 'support'],
        ([c = '', v = '', support = '']) => [c, version(versionKey(c, v)) === OTHER ? OTHER : v, support],
        base,
      ),
    );
    yield;
  }
  for (const tenant of snapshot.tenants) {
    if (tenant.connectionLimit !== null) {
      result.connectionLimit.push({ labels: { target, tenant: tenant.name }, value: tenant.connectionLimit });
    }
  }
  return result;
}

export function sessionSeries(snapshot: TargetSnapshot, limits: FoldingLimits): SessionSeries {
  return runAtOnce(seriesSteps(snapshot, limits));
}

/** Sessions per state, with ACTIVE and SLEEP present (zero) even when no session is in them. */
function tenantStates(schemas: CountTree, base: Labels): Series[] {
  const counts = schemas.sumBy(3, ([, , state = '']) => state);
  for (const state of [ACTIVE, SLEEP]) if (!counts.has(state)) counts.set(state, 0);
  return [...counts].map(([state, value]) => ({ labels: withLabels(base, ['state'], [state]), value }));
}

const memo = new WeakMap<TargetSnapshot, { limits: FoldingLimits; series: SessionSeries }>();

const sameLimits = (a: FoldingLimits, b: FoldingLimits): boolean =>
  a.max_clients_per_tenant === b.max_clients_per_tenant &&
  a.max_dbs_per_tenant === b.max_dbs_per_tenant &&
  a.max_users_per_tenant === b.max_users_per_tenant &&
  a.max_versions_per_tenant === b.max_versions_per_tenant;

/** A snapshot changes once per scrape interval while /metrics may be read far more often. */
export function snapshotSeries(snapshot: TargetSnapshot, limits: FoldingLimits): SessionSeries {
  const known = memo.get(snapshot);
  if (known && sameLimits(known.limits, limits)) return known.series;
  const series = sessionSeries(snapshot, limits);
  memo.set(snapshot, { limits, series });
  return series;
}

/**
 * Computes the snapshot's series in time slices, before the snapshot is served: done inside the
 * first /metrics request, 100k sessions would hold the event loop for as long as that takes.
 */
export async function prepareSeries(snapshot: TargetSnapshot, limits: FoldingLimits): Promise<void> {
  const known = memo.get(snapshot);
  if (known && sameLimits(known.limits, limits)) return;
  memo.set(snapshot, { limits, series: await runInSlices(seriesSteps(snapshot, limits)) });
}
