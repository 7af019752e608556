import { ACTIVE, SLEEP, type GeoLocation, type SessionGroup } from '../snapshot/session.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { runAtOnce, runInSlices } from '../event-loop/time-slices.js';
import { entryOf, newMap } from './map-entry.js';
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

/** Sessions per state label of one schema and user, in order of first appearance: a handful at most. */
class StateCounts {
  readonly states: string[] = [];
  readonly counts: number[] = [];

  add(state: string, sessions: number): void {
    const at = this.states.indexOf(state);
    if (at < 0) {
      this.states.push(state);
      this.counts.push(sessions);
    } else {
      this.counts[at]! += sessions;
    }
  }

  total(): number {
    return this.counts.reduce((sum, n) => sum + n, 0);
  }
}

interface ClientTally {
  sessions: number;
  /** The address's location: country and continent go with the address. */
  readonly location: GeoLocation;
}

interface VersionTally {
  sessions: number;
  /** The policy's verdict on the client and version, the same for all their sessions. */
  readonly support: string;
}

/**
 * Everything the per-tenant gauges need from one tenant's session groups, gathered in one pass.
 * Nested maps keyed by the pooled label values: no key strings are built, and a label that is a
 * function of another (a client's country, a version's support) gets no level of its own.
 */
class TenantTally {
  /** db -> user -> sessions per state. */
  readonly schemas = new Map<string, Map<string, StateCounts>>();
  readonly clients = new Map<string, ClientTally>();
  /** client -> version. */
  readonly versions = new Map<string, Map<string, VersionTally>>();
  maxActiveTime = 0;

  add(g: SessionGroup): void {
    const n = g.sessions;
    entryOf(entryOf(this.schemas, g.db, newMap<string, StateCounts>), g.user, newStateCounts).add(stateLabel(g.state), n);
    const client = this.clients.get(g.client_ip);
    if (client) client.sessions += n;
    else this.clients.set(g.client_ip, { sessions: n, location: g.location });
    const versions = entryOf(this.versions, g.client.client, newMap<string, VersionTally>);
    const version = versions.get(g.client.version);
    if (version) version.sessions += n;
    else versions.set(g.client.version, { sessions: n, support: g.client.support });
    if (g.state === ACTIVE && g.maxTime > this.maxActiveTime) this.maxActiveTime = g.maxTime;
  }
}

const newStateCounts = (): StateCounts => new StateCounts();

/** Tallies of one snapshot: what every gauge needs, whatever the folding limits. */
class SeriesTally {
  readonly tenants = new Map<string, TenantTally>();
  readonly observers = new Map<string, { sessions: number }>();

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

/** The series of one snapshot as steps (one per group, then per batch of sessions observed): see foldSteps. */
function* seriesSteps(snapshot: TargetSnapshot, limits: FoldingLimits): Generator<void, SessionSeries> {
  const tally = new SeriesTally();
  for (const group of snapshot.groups) {
    tally.add(group);
    yield;
  }
  // Groups do not keep the observer, which would split them six ways on a six-observer cluster.
  const sessions = snapshot.sessions;
  const observers = tally.observers;
  for (let i = 0; i < sessions.length; i++) {
    const svrIp = sessions[i]!.svr_ip;
    const observer = observers.get(svrIp);
    if (observer) observer.sessions++;
    else observers.set(svrIp, { sessions: 1 });
    if (i % SESSIONS_PER_STEP === 0) yield;
  }
  return yield* foldSteps(snapshot, tally, limits);
}

/**
 * The series from the tally of a snapshot's sessions, as steps so that they can run at once or in
 * time slices. Known tenants come first and get zero-filled series.
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
    observerSessions: [...tally.observers].map(([svrIp, { sessions }]) => ({ labels: withLabels({ target }, ['svr_ip'], [svrIp]), value: sessions })),
    countrySessions: [] as Series[],
    clientVersionSessions: [] as Series[],
  };
  // A step per family of each tenant: one tenant with 100k sessions from thousands of clients
  // folds for tens of milliseconds in all.
  for (const [tenant, t] of tenants) {
    const base = { target, tenant };
    result.sessions.push(...schemaSeries(t.schemas, limits, base));
    result.tenantSessions.push(...tenantStates(t.schemas, base));
    result.maxActiveTimeSeconds.push({ labels: base, value: t.maxActiveTime });
    yield;
    result.clientSessions.push(...clientSeries(t.clients, limits.max_clients_per_tenant, base));
    yield;
    result.countrySessions.push(...countrySeries(t.clients, base));
    result.clientVersionSessions.push(...versionSeries(t.versions, limits.max_versions_per_tenant, base));
    yield;
  }
  for (const tenant of snapshot.tenants) {
    if (tenant.connectionLimit !== null) {
      result.connectionLimit.push({ labels: { target, tenant: tenant.name }, value: tenant.connectionLimit });
    }
  }
  return result;
}

/** dbsession_sessions: db and user folded to the top N each, sessions summed per folded path. */
function schemaSeries(schemas: TenantTally['schemas'], limits: FoldingLimits, base: Labels): Series[] {
  const series: Series[] = [];
  for (const [db, users] of mayFold(schemas, limits) ? foldedSchemas(schemas, limits) : schemas) {
    for (const [user, states] of users) {
      states.states.forEach((state, i) => series.push({ labels: withLabels(base, ['db', 'user', 'state'], [db, user, state]), value: states.counts[i]! }));
    }
  }
  return series;
}

/** Whether a limit could be exceeded: no more schema/user pairs than either limit means no more users or schemas. */
function mayFold(schemas: TenantTally['schemas'], limits: FoldingLimits): boolean {
  if (schemas.size > limits.max_dbs_per_tenant) return true;
  let pairs = 0;
  for (const users of schemas.values()) pairs += users.size;
  return pairs > limits.max_users_per_tenant;
}

/** The schemas with db and user folded to the top N each (an unchanged copy when neither exceeds its limit). */
function foldedSchemas(schemas: TenantTally['schemas'], limits: FoldingLimits): TenantTally['schemas'] {
  const dbTotals = new Map<string, number>();
  const userTotals = new Map<string, number>();
  for (const [db, users] of schemas) {
    for (const [user, states] of users) {
      const sessions = states.total();
      dbTotals.set(db, (dbTotals.get(db) ?? 0) + sessions);
      userTotals.set(user, (userTotals.get(user) ?? 0) + sessions);
    }
  }
  return foldSchemas(schemas, topValues(dbTotals, limits.max_dbs_per_tenant), topValues(userTotals, limits.max_users_per_tenant));
}

function foldSchemas(schemas: TenantTally['schemas'], dbOf: (db: string) => string, userOf: (user: string) => string): TenantTally['schemas'] {
  const folded: TenantTally['schemas'] = new Map();
  for (const [db, users] of schemas) {
    const byUser = entryOf(folded, dbOf(db), newMap<string, StateCounts>);
    for (const [user, states] of users) {
      const into = entryOf(byUser, userOf(user), newStateCounts);
      states.states.forEach((state, i) => into.add(state, states.counts[i]!));
    }
  }
  return folded;
}

/** dbsession_client_sessions: each of the top N addresses with its country; the rest as "other", per country. */
function clientSeries(clients: TenantTally['clients'], limit: number, base: Labels): Series[] {
  if (clients.size <= limit) {
    return [...clients].map(([ip, { sessions, location }]) => ({ labels: withLabels(base, ['client_ip', 'country'], [ip, location.country]), value: sessions }));
  }
  const clientOf = topValues(new Map([...clients].map(([ip, c]) => [ip, c.sessions])), limit);
  const sums = new Map<string, Map<string, number>>();
  for (const [ip, { sessions, location }] of clients) {
    const byCountry = entryOf(sums, clientOf(ip), newMap<string, number>);
    byCountry.set(location.country, (byCountry.get(location.country) ?? 0) + sessions);
  }
  const series: Series[] = [];
  for (const [ip, byCountry] of sums) {
    for (const [country, value] of byCountry) series.push({ labels: withLabels(base, ['client_ip', 'country'], [ip, country]), value });
  }
  return series;
}

/** dbsession_country_sessions: exact, never folded (about 250 countries at most). */
function countrySeries(clients: TenantTally['clients'], base: Labels): Series[] {
  const sums = new Map<string, Map<string, number>>();
  for (const { sessions, location } of clients.values()) {
    const byContinent = entryOf(sums, location.country, newMap<string, number>);
    byContinent.set(location.continent, (byContinent.get(location.continent) ?? 0) + sessions);
  }
  const series: Series[] = [];
  for (const [country, byContinent] of sums) {
    for (const [continent, value] of byContinent) series.push({ labels: withLabels(base, ['country', 'continent'], [country, continent]), value });
  }
  return series;
}

/** dbsession_client_version_sessions: the top N versions; the rest as version "other", per client and support. */
function versionSeries(versions: TenantTally['versions'], limit: number, base: Labels): Series[] {
  let pairs = 0;
  for (const byVersion of versions.values()) pairs += byVersion.size;
  if (pairs <= limit) {
    const series: Series[] = [];
    for (const [client, byVersion] of versions) {
      for (const [version, { sessions, support }] of byVersion) series.push({ labels: withLabels(base, ['client', 'version', 'support'], [client, version, support]), value: sessions });
    }
    return series;
  }
  const totals = new Map<string, number>();
  for (const [client, byVersion] of versions) {
    // "a/b" with "c" and "a" with "b/c" share a key: their sessions add up.
    for (const [version, { sessions }] of byVersion) {
      const key = versionKey(client, version);
      totals.set(key, (totals.get(key) ?? 0) + sessions);
    }
  }
  const versionOf = topValues(totals, limit);
  const sums = new Map<string, Map<string, Map<string, number>>>();
  for (const [client, byVersion] of versions) {
    for (const [version, { sessions, support }] of byVersion) {
      const bySupport = entryOf(entryOf(sums, client, newMap<string, Map<string, number>>), versionOf(versionKey(client, version)) === OTHER ? OTHER : version, newMap<string, number>);
      bySupport.set(support, (bySupport.get(support) ?? 0) + sessions);
    }
  }
  const series: Series[] = [];
  for (const [client, byVersion] of sums) {
    for (const [version, bySupport] of byVersion) {
      for (const [support, value] of bySupport) series.push({ labels: withLabels(base, ['client', 'version', 'support'], [client, version, support]), value });
    }
  }
  return series;
}

export function sessionSeries(snapshot: TargetSnapshot, limits: FoldingLimits): SessionSeries {
  return runAtOnce(seriesSteps(snapshot, limits));
}

/** Sessions per state, with ACTIVE and SLEEP present (zero) even when no session is in them. */
function tenantStates(schemas: TenantTally['schemas'], base: Labels): Series[] {
  const totals = new StateCounts();
  for (const users of schemas.values()) for (const states of users.values()) states.states.forEach((state, i) => totals.add(state, states.counts[i]!));
  for (const state of [ACTIVE, SLEEP]) totals.add(state, 0);
  return totals.states.map((state, i) => ({ labels: withLabels(base, ['state'], [state]), value: totals.counts[i]! }));
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
