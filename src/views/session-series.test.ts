import { describe, expect, it } from 'vitest';
import { sessionFixture, snapshotFixture, type FixtureSession } from '../../test/support/session-fixture.js';
import type { TargetSnapshot, TenantInfo } from '../snapshot/snapshot.js';
import { sessionSeries, type FoldingLimits } from './session-series.js';

const LIMITS: FoldingLimits = { max_clients_per_tenant: 2, max_dbs_per_tenant: 50, max_users_per_tenant: 50, max_versions_per_tenant: 1 };

function snapshot(sessions: FixtureSession[], tenants: TenantInfo[] = []): TargetSnapshot {
  return snapshotFixture({ sessions, tenants });
}

const tenant = (name: string, connectionLimit: number | null = null): TenantInfo => ({ name, id: 1, connectionLimit, locked: false });

describe('sessionSeries', () => {
  it('zero-fills ACTIVE and SLEEP for known tenants without sessions', () => {
    const series = sessionSeries(snapshot([], [tenant('idle', 100)]), LIMITS);
    expect(series.tenantSessions).toEqual([
      { labels: { target: 'x', tenant: 'idle', state: 'ACTIVE' }, value: 0 },
      { labels: { target: 'x', tenant: 'idle', state: 'SLEEP' }, value: 0 },
    ]);
    expect(series.maxActiveTimeSeconds).toEqual([{ labels: { target: 'x', tenant: 'idle' }, value: 0 }]);
    expect(series.connectionLimit).toEqual([{ labels: { target: 'x', tenant: 'idle' }, value: 100 }]);
    expect(series.sessions).toEqual([]);
  });

  it('takes max active time over ACTIVE sessions only', () => {
    const series = sessionSeries(
      snapshot([
        sessionFixture({ id: 1, state: 'SLEEP', time: 9999 }),
        sessionFixture({ id: 2, state: 'ACTIVE', time: 12.5 }),
        sessionFixture({ id: 3, state: 'ACTIVE', time: 3 }),
      ]),
      LIMITS,
    );
    expect(series.maxActiveTimeSeconds).toEqual([{ labels: { target: 'x', tenant: 't1' }, value: 12.5 }]);
  });

  it('folds client addresses beyond the top N into "other", keeping totals', () => {
    const sessions = [
      ...Array.from({ length: 3 }, (_, i) => sessionFixture({ id: i, client_ip: '10.0.0.1' })),
      ...Array.from({ length: 2 }, (_, i) => sessionFixture({ id: 10 + i, client_ip: '10.0.0.2' })),
      sessionFixture({ id: 20, client_ip: '10.0.0.3' }),
      sessionFixture({ id: 21, client_ip: '10.0.0.4' }),
    ];
    const clients = sessionSeries(snapshot(sessions), LIMITS).clientSessions;
    const byIp = Object.fromEntries(clients.map((s) => [s.labels.client_ip, s.value]));
    expect(byIp).toEqual({ '10.0.0.1': 3, '10.0.0.2': 2, other: 2 });
  });

  it('counts countries exactly while client addresses beyond the top N fold into "other"', () => {
    const clients: Array<[ip: string, sessions: number, country: string, continent: string]> = [
      ['10.0.0.1', 4, 'SE', 'EU'],
      ['10.0.0.2', 3, 'JP', 'AS'],
      ['10.0.0.3', 1, 'JP', 'AS'],
      ['10.0.0.4', 1, 'US', 'NA'],
      ['10.0.0.5', 1, 'US', 'NA'],
      ['10.0.0.6', 1, 'BR', 'SA'],
    ];
    const sessions = clients.flatMap(([client_ip, count, country, continent], c) =>
      Array.from({ length: count }, (_, i) => sessionFixture({ id: c * 10 + i, client_ip, country, continent })),
    );
    const series = sessionSeries(snapshot(sessions), LIMITS);
    const line = (s: { labels: Record<string, string>; value: number }, names: string[]) => [...names.map((n) => s.labels[n]), s.value].join(' ');

    expect(series.clientSessions.map((s) => line(s, ['client_ip', 'country'])).sort()).toEqual(
      ['10.0.0.1 SE 4', '10.0.0.2 JP 3', 'other BR 1', 'other JP 1', 'other US 2'].sort(),
    );
    // Folding two of the clients away loses no country and moves no session between countries.
    expect(series.countrySessions.map((s) => line(s, ['country', 'continent'])).sort()).toEqual(['BR SA 1', 'JP AS 4', 'SE EU 4', 'US NA 2']);
  });

  it('keeps support apart when versions fold', () => {
    const sessions = [
      sessionFixture({ id: 1, client: 'Node-MySQL-2', version: '3.9.0', support: 'full' }),
      sessionFixture({ id: 2, client: 'Node-MySQL-2', version: '3.9.0', support: 'full' }),
      sessionFixture({ id: 3, client: 'Node-MySQL-2', version: '2.0.0', support: 'none' }),
    ];
    const versions = sessionSeries(snapshot(sessions), LIMITS).clientVersionSessions.map((s) => [s.labels.version, s.labels.support, s.value]);
    expect(versions).toEqual([
      ['3.9.0', 'full', 2],
      ['other', 'none', 1],
    ]);
  });

  it('keeps the state label bounded whatever the server reports', () => {
    const sessions = [
      sessionFixture({ id: 1, state: 'QUERY_KILLED' }),
      sessionFixture({ id: 2, state: 'ÄCTIVE "X"' }),
      sessionFixture({ id: 3, state: '' }),
    ];
    const states = sessionSeries(snapshot(sessions), LIMITS).sessions.map((s) => [s.labels.state, s.value]);
    expect(states).toEqual([
      ['QUERY_KILLED', 1],
      ['OTHER', 2],
    ]);
  });

  it('counts sessions per observer, country and state', () => {
    const sessions = [
      sessionFixture({ id: 1, svr_ip: '10.1.0.1', country: 'SE', continent: 'EU' }),
      sessionFixture({ id: 2, svr_ip: '10.1.0.2', country: 'SE', continent: 'EU', state: 'ACTIVE' }),
    ];
    const series = sessionSeries(snapshot(sessions), LIMITS);
    expect(series.observerSessions.map((s) => s.value)).toEqual([1, 1]);
    expect(series.countrySessions).toEqual([{ labels: { target: 'x', tenant: 't1', country: 'SE', continent: 'EU' }, value: 2 }]);
    expect(series.sessions.map((s) => [s.labels.state, s.value])).toEqual([
      ['SLEEP', 1],
      ['ACTIVE', 1],
    ]);
  });
});
