import { describe, expect, it } from 'vitest';
import { sessionFixture, snapshotFixture, type FixtureSession } from '../../test/support/session-fixture.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import type { GeoLocation } from '../snapshot/session.js';
import { activeSessionsDashboard } from './dashboard.js';

const SE: GeoLocation = { country: 'SE', continent: 'EU', latitude: 55.8667, longitude: 12.8333 };
const SE_NORTH: GeoLocation = { country: 'SE', continent: 'EU', latitude: 65.58, longitude: 22.15 };
const US: GeoLocation = { country: 'US', continent: 'NA', latitude: 37.751, longitude: -97.822 };
const PRIVATE: GeoLocation = { country: 'private', continent: 'private', latitude: null, longitude: null };
const UNKNOWN: GeoLocation = { country: 'unknown', continent: 'unknown', latitude: null, longitude: null };

function snapshot(target: string, rows: [Partial<FixtureSession>, GeoLocation][]): TargetSnapshot {
  return snapshotFixture({ target, sessions: rows.map(([overrides, location], id) => sessionFixture({ id, ...location, ...overrides })) });
}

const full = { client: 'appgate', version: '6.0.0-release-1234', support: 'full' } as const;
const partial = { client: 'appgate', version: '5.5.0-release-1234', support: 'partial' } as const;
const none = { client: 'appgate', version: '5.4.1-release-1234', support: 'none' } as const;

const prod = snapshot('prod', [
  [{ client_ip: '89.160.20.112', ...full }, SE],
  [{ client_ip: '89.160.20.9', ...full }, SE],
  [{ client_ip: '89.160.20.112', ...full, tenant: 't2' }, SE],
  [{ client_ip: '216.160.83.56', ...partial }, US],
  [{ client_ip: '10.0.0.5', ...partial }, PRIVATE],
  [{ client_ip: '2001:db9::1', ...none }, UNKNOWN],
  [{ client_ip: '10.0.0.6' }, PRIVATE],
]);

describe('activeSessionsDashboard', () => {
  it('has the seed shape: every session counted, located ones on the map, judged ones by version', () => {
    expect(activeSessionsDashboard([prod], undefined)).toEqual({
      totalCount: 7,
      geoIpData: [
        { sessionCount: 3, latitude: 55.8667, longitude: 12.8333, countryCode: 'SE', continentCode: 'EU', ips: ['89.160.20.9', '89.160.20.112'] },
        { sessionCount: 1, latitude: 37.751, longitude: -97.822, countryCode: 'US', continentCode: 'NA', ips: ['216.160.83.56'] },
      ],
      versions: {
        'appgate/6.0.0-release-1234': { supportStatus: 'full', sessionCount: 3 },
        'appgate/5.5.0-release-1234': { supportStatus: 'partial', sessionCount: 2 },
        'appgate/5.4.1-release-1234': { supportStatus: 'none', sessionCount: 1 },
      },
    });
  });

  it('narrows to one tenant', () => {
    const dashboard = activeSessionsDashboard([prod], 't2');
    expect(dashboard.totalCount).toBe(1);
    expect(dashboard.geoIpData.map((p) => p.ips)).toEqual([['89.160.20.112']]);
  });

  it('sums targets, one entry per point, however many targets share it', () => {
    const staging = snapshot('staging', [
      [{ client_ip: '216.160.83.57' }, US],
      [{ client_ip: '216.160.83.58' }, US],
      [{ client_ip: '216.160.83.59' }, US],
      [{ client_ip: '2001:218::1' }, SE_NORTH],
    ]);
    const dashboard = activeSessionsDashboard([prod, staging], undefined);
    expect(dashboard.totalCount).toBe(11);
    expect(dashboard.geoIpData.map((p) => [p.countryCode, p.latitude, p.sessionCount])).toEqual([
      ['US', 37.751, 4],
      ['SE', 55.8667, 3],
      ['SE', 65.58, 1],
    ]);
  });

  it('lists each point\'s busiest addresses up to the bound, in address order with IPv4 first', () => {
    const rows: [Partial<FixtureSession>, GeoLocation][] = [
      [{ client_ip: '2001:218::1' }, SE],
      [{ client_ip: '9.9.9.9' }, SE],
      [{ client_ip: '10.1.1.1' }, SE],
      [{ client_ip: '10.1.1.1' }, SE],
      [{ client_ip: '100.1.1.1' }, SE],
      [{ client_ip: '100.1.1.1' }, SE],
    ];
    const bounds = { maxIpsPerPoint: 2, maxVersions: 1 };
    expect(activeSessionsDashboard([snapshot('x', rows)], undefined, bounds).geoIpData[0]?.ips).toEqual(['10.1.1.1', '100.1.1.1']);
    const all = activeSessionsDashboard([snapshot('x', rows)], undefined, { ...bounds, maxIpsPerPoint: 10 });
    expect(all.geoIpData[0]?.ips).toEqual(['9.9.9.9', '10.1.1.1', '100.1.1.1', '2001:218::1']);
  });

  it('keeps the versions with the most sessions up to the bound', () => {
    const dashboard = activeSessionsDashboard([prod], undefined, { maxIpsPerPoint: 10, maxVersions: 2 });
    expect(Object.keys(dashboard.versions)).toEqual(['appgate/6.0.0-release-1234', 'appgate/5.5.0-release-1234']);
  });

  it('answers zeros for no sessions', () => {
    expect(activeSessionsDashboard([], undefined)).toEqual({ totalCount: 0, geoIpData: [], versions: {} });
  });
});
