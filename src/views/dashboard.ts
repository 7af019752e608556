import { parseIp } from '../geoip/ip-address.js';
import type { GeoLocation, SupportStatus } from '../snapshot/session.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';

/** What one answer may hold at most, whatever the number of clients. */
export const DASHBOARD_BOUNDS = {
  /** Addresses listed per map point: those with the most sessions, in address order. */
  maxIpsPerPoint: 100,
  /** Entries in `versions`: those with the most sessions. */
  maxVersions: 100,
} as const;

export type DashboardBounds = { readonly [K in keyof typeof DASHBOARD_BOUNDS]: number };

export interface GeoPoint {
  readonly sessionCount: number;
  readonly latitude: number;
  readonly longitude: number;
  readonly countryCode: string;
  readonly continentCode: string;
  readonly ips: readonly string[];
}

export interface VersionCount {
  readonly supportStatus: Exclude<SupportStatus, 'unknown'>;
  readonly sessionCount: number;
}

/** The Appgate active-sessions dashboard (seed appgate-active-sessions-dashboard.txt). */
export interface ActiveSessionsDashboard {
  readonly totalCount: number;
  readonly geoIpData: readonly GeoPoint[];
  /** Keyed "<client>/<version>"; clients of unknown support are left out (clarification 7). */
  readonly versions: Readonly<Record<string, VersionCount>>;
}

interface PointTally {
  readonly location: GeoLocation & { readonly latitude: number; readonly longitude: number };
  count: number;
  readonly ips: [string, number][];
}

interface AddressTally {
  count: number;
  readonly location: GeoLocation;
}

interface VersionTally {
  readonly supportStatus: VersionCount['supportStatus'];
  sessionCount: number;
}

function onMap(location: GeoLocation): location is PointTally['location'] {
  return location.latitude !== null && location.longitude !== null;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** IPv4 before IPv6, then numerically. */
function compareAddresses(a: string, b: string): number {
  const x = parseIp(a);
  const y = parseIp(b);
  if (x === null || y === null) return compareText(a, b);
  if (x.version !== y.version) return x.version - y.version;
  for (let i = 0; i < x.bytes.length; i++) {
    const d = (x.bytes[i] ?? 0) - (y.bytes[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function toPoint(tally: PointTally, maxIps: number): GeoPoint {
  const ips = tally.ips
    .sort(([a, x], [b, y]) => y - x || compareText(a, b))
    .slice(0, maxIps)
    .map(([ip]) => ip)
    .sort(compareAddresses);
  const { latitude, longitude, country, continent } = tally.location;
  return { sessionCount: tally.count, latitude, longitude, countryCode: country, continentCode: continent, ips };
}

/**
 * One pass over the session groups: sessions per address, and per client and version when
 * judged. Everything keyed by location is worked out per address.
 */
function countSessions(snapshots: readonly TargetSnapshot[], tenant: string | undefined) {
  let totalCount = 0;
  const addresses = new Map<string, AddressTally>();
  const versions = new Map<string, Map<string, VersionTally>>();
  for (const snapshot of snapshots) {
    for (const group of snapshot.groups) {
      if (tenant !== undefined && group.tenant !== tenant) continue;
      const sessions = group.sessions;
      totalCount += sessions;
      const address = addresses.get(group.client_ip);
      if (address === undefined) addresses.set(group.client_ip, { count: sessions, location: group.location });
      else address.count += sessions;
      const { client, version, support } = group.client;
      if (support === 'unknown') continue;
      let byVersion = versions.get(client);
      if (byVersion === undefined) {
        byVersion = new Map();
        versions.set(client, byVersion);
      }
      const tally = byVersion.get(version);
      if (tally === undefined) byVersion.set(version, { supportStatus: support, sessionCount: sessions });
      else tally.sessionCount += sessions;
    }
  }
  return { totalCount, addresses, versions };
}

function mapPoints(addresses: ReadonlyMap<string, AddressTally>): Iterable<PointTally> {
  const points = new Map<string, PointTally>();
  for (const [ip, { count, location }] of addresses) {
    if (!onMap(location)) continue;
    const key = `${location.latitude},${location.longitude},${location.country},${location.continent}`;
    let point = points.get(key);
    if (point === undefined) {
      point = { location, count: 0, ips: [] };
      points.set(key, point);
    }
    point.count += count;
    point.ips.push([ip, count]);
  }
  return points.values();
}

/**
 * Every session of the given snapshots (of one tenant when `tenant` is set) counted once in
 * totalCount, on the map when its address has a point (private and unknown ones have none), and
 * under its client version when the policy judged it.
 */
export function activeSessionsDashboard(
  snapshots: readonly TargetSnapshot[],
  tenant: string | undefined,
  bounds: DashboardBounds = DASHBOARD_BOUNDS,
): ActiveSessionsDashboard {
  const { totalCount, addresses, versions } = countSessions(snapshots, tenant);
  const geoIpData = [...mapPoints(addresses)]
    .map((tally) => toPoint(tally, bounds.maxIpsPerPoint))
    .sort(
      (a, b) =>
        b.sessionCount - a.sessionCount || compareText(a.countryCode, b.countryCode) || a.latitude - b.latitude || a.longitude - b.longitude,
    );
  const kept = [...versions]
    .flatMap(([client, byVersion]) => [...byVersion].map(([version, tally]): [string, VersionTally] => [`${client}/${version}`, tally]))
    .sort(([a, x], [b, y]) => y.sessionCount - x.sessionCount || compareText(a, b))
    .slice(0, bounds.maxVersions);
  return { totalCount, geoIpData, versions: Object.fromEntries(kept) };
}
