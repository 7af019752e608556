import type { TargetView } from '../../scrape/target-view.js';
import type { TargetSnapshot } from '../../snapshot/snapshot.js';
import { dataUnavailable, illegalArgument, quote, tenantNotExist } from './errors.js';

export interface TenantData {
  readonly target: string;
  readonly snapshot: TargetSnapshot;
}

/**
 * The target whose latest snapshot serves a tenant. `wanted` is the target named by the
 * `/targets/{target}` prefix or `?target=`; without it the tenant's name must be unique among
 * the targets. A target that is down leaves it unknown whether it holds the tenant: that is a
 * 503 only when no target that is up holds it.
 */
export function locateTenant(targets: readonly TargetView[], tenant: string, wanted: string | undefined): TenantData {
  if (wanted !== undefined) return inTarget(targets, tenant, wanted);
  const holding = targets.filter((t) => t.snapshot?.tenants.some((x) => x.name === tenant));
  const [only] = holding;
  if (only?.snapshot && holding.length === 1) return { target: only.name, snapshot: only.snapshot };
  if (holding.length > 1) {
    throw illegalArgument(
      'target',
      `tenant ${quote(tenant)} exists in targets ${names(holding)}: add ?target= or use /targets/{target}/api/v1/...`,
    );
  }
  const down = targets.filter((t) => t.snapshot === null);
  if (down.length > 0) throw dataUnavailable(`target(s) ${names(down)} down or stale, so tenant ${quote(tenant)} cannot be looked up`);
  throw tenantNotExist(tenant);
}

function inTarget(targets: readonly TargetView[], tenant: string, wanted: string): TenantData {
  const view = targets.find((t) => t.name === wanted);
  if (view === undefined) throw illegalArgument('target', `${quote(wanted)} is not a configured target; targets: ${names(targets)}`);
  if (view.snapshot === null) throw dataUnavailable(`target ${quote(wanted)} is down or its data is stale`);
  if (!view.snapshot.tenants.some((t) => t.name === tenant)) throw tenantNotExist(tenant);
  return { target: view.name, snapshot: view.snapshot };
}

function names(targets: readonly TargetView[]): string {
  return targets.map((t) => t.name).join(', ');
}
