import type { SnapshotStore, TargetView } from '../../scrape/target-view.js';
import type { TargetSnapshot } from '../../snapshot/snapshot.js';
import { badRequest, notFound, quoted, unavailable } from './errors.js';

/** Which sessions a dashboard request is about: undefined sides mean all. */
export interface DashboardScope {
  readonly target: string | undefined;
  readonly tenant: string | undefined;
}

const PARAMETERS = new Set(['target', 'tenant']);

function parameter(query: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`give ${name} once, as a single value`);
  if (value === '') throw badRequest(`${name} is empty: leave it out for all`);
  return value;
}

/**
 * `?target=` and `?tenant=`, and the target of a `/targets/{target}/...` path; the two targets
 * must agree. An unknown parameter is a 400 rather than silently ignored: a misspelt filter
 * would otherwise answer for everything.
 */
export function parseDashboardScope(pathTarget: string | undefined, query: Readonly<Record<string, unknown>>): DashboardScope {
  const unknown = Object.keys(query).filter((name) => !PARAMETERS.has(name));
  if (unknown.length > 0) throw badRequest(`unknown query parameter ${unknown.map(quoted).join(', ')}: use target and tenant`);
  const target = parameter(query, 'target');
  if (pathTarget !== undefined && target !== undefined && target !== pathTarget) {
    throw badRequest(`target ${quoted(target)} contradicts the path's target ${quoted(pathTarget)}`);
  }
  return { target: pathTarget ?? target, tenant: parameter(query, 'tenant') };
}

function holdsTenant(snapshot: TargetSnapshot, tenant: string): boolean {
  return snapshot.tenants.some((t) => t.name === tenant) || snapshot.sessions.some((s) => s.tenant === tenant);
}

function names(views: readonly TargetView[]): string {
  return views.map((v) => quoted(v.name)).join(', ');
}

/**
 * The current snapshots the scope covers. Clarification 1: a target that is down or stale makes
 * the answer a 503, as a total without it would be silently wrong; an unknown target or a tenant
 * no target holds is a 404.
 */
export function snapshotsInScope(store: SnapshotStore, scope: DashboardScope): TargetSnapshot[] {
  let views: readonly TargetView[];
  if (scope.target === undefined) {
    views = store.targets();
  } else {
    const view = store.target(scope.target);
    if (view === undefined) throw notFound(`target ${quoted(scope.target)} is not configured`);
    views = [view];
  }
  const down = views.filter((v) => v.snapshot === null);
  if (down.length > 0) throw unavailable(`session data of target ${names(down)} is unavailable: the target is down or its data is stale`);
  const snapshots = views.map((v) => v.snapshot!);
  const { tenant } = scope;
  if (tenant !== undefined && !snapshots.some((s) => holdsTenant(s, tenant))) {
    throw notFound(`tenant ${quoted(tenant)} does not exist${scope.target === undefined ? '' : ` in target ${quoted(scope.target)}`}`);
  }
  return snapshots;
}
