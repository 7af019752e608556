import { ACTIVE, SLEEP, type EnrichedSession } from '../snapshot/session.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { countBy, topValues } from './top-n.js';

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

const SEPARATOR = '\u0000';

/** Counts sessions by a composite key; the key's parts become the series' labels. */
function seriesBy(
  sessions: Iterable<EnrichedSession>,
  names: readonly string[],
  parts: (s: EnrichedSession) => readonly string[],
  base: Labels,
): Series[] {
  const counts = countBy(sessions, (s) => parts(s).join(SEPARATOR));
  return [...counts].map(([key, value]) => ({ labels: withParts(base, names, key.split(SEPARATOR)), value }));
}

function withParts(base: Labels, names: readonly string[], values: readonly string[]): Labels {
  const labels: Record<string, string> = { ...base };
  names.forEach((name, i) => {
    labels[name] = values[i] ?? '';
  });
  return labels;
}

function groupByTenant(snapshot: TargetSnapshot): Map<string, EnrichedSession[]> {
  const groups = new Map<string, EnrichedSession[]>(snapshot.tenants.map((t) => [t.name, []]));
  for (const session of snapshot.sessions) {
    const group = groups.get(session.tenant);
    if (group) group.push(session);
    else groups.set(session.tenant, [session]);
  }
  return groups;
}

export function sessionSeries(snapshot: TargetSnapshot, limits: FoldingLimits): SessionSeries {
  const target = snapshot.target;
  const result = {
    sessions: [] as Series[],
    tenantSessions: [] as Series[],
    clientSessions: [] as Series[],
    maxActiveTimeSeconds: [] as Series[],
    connectionLimit: [] as Series[],
    observerSessions: seriesBy(snapshot.sessions, ['svr_ip'], (s) => [s.svr_ip], { target }),
    countrySessions: [] as Series[],
    clientVersionSessions: [] as Series[],
  };
  for (const [tenant, sessions] of groupByTenant(snapshot)) {
    const base = { target, tenant };
    const db = topValues(countBy(sessions, (s) => s.db), limits.max_dbs_per_tenant);
    const user = topValues(countBy(sessions, (s) => s.user), limits.max_users_per_tenant);
    const client = topValues(countBy(sessions, (s) => s.client_ip), limits.max_clients_per_tenant);
    const version = topValues(countBy(sessions, (s) => `${s.client}/${s.version}`), limits.max_versions_per_tenant);
    result.sessions.push(...seriesBy(sessions, ['db', 'user', 'state'], (s) => [db(s.db), user(s.user), s.state], base));
    result.tenantSessions.push(...tenantStates(sessions, base));
    result.clientSessions.push(...seriesBy(sessions, ['client_ip', 'country'], (s) => [client(s.client_ip), s.country], base));
    result.maxActiveTimeSeconds.push({ labels: base, value: maxActiveTime(sessions) });
    result.countrySessions.push(...seriesBy(sessions, ['country', 'continent'], (s) => [s.country, s.continent], base));
    result.clientVersionSessions.push(
      ...seriesBy(
        sessions,
        ['client', 'version', 'support'],
        (s) => (version(`${s.client}/${s.version}`) === 'other' ? [s.client, 'other', s.support] : [s.client, s.version, s.support]),
        base,
      ),
    );
  }
  for (const tenant of snapshot.tenants) {
    if (tenant.connectionLimit !== null) {
      result.connectionLimit.push({ labels: { target, tenant: tenant.name }, value: tenant.connectionLimit });
    }
  }
  return result;
}

function tenantStates(sessions: readonly EnrichedSession[], base: Labels): Series[] {
  const counts = countBy(sessions, (s) => s.state);
  for (const state of [ACTIVE, SLEEP]) if (!counts.has(state)) counts.set(state, 0);
  return [...counts].map(([state, value]) => ({ labels: { ...base, state }, value }));
}

function maxActiveTime(sessions: readonly EnrichedSession[]): number {
  let max = 0;
  for (const s of sessions) if (s.state === ACTIVE && s.time > max) max = s.time;
  return max;
}

const memo = new WeakMap<TargetSnapshot, { limits: FoldingLimits; series: SessionSeries }>();

/** A snapshot changes once per scrape interval while /metrics may be read far more often. */
export function snapshotSeries(snapshot: TargetSnapshot, limits: FoldingLimits): SessionSeries {
  const known = memo.get(snapshot);
  if (known && known.limits === limits) return known.series;
  const series = sessionSeries(snapshot, limits);
  memo.set(snapshot, { limits, series });
  return series;
}
