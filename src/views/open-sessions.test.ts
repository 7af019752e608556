import { describe, expect, it } from 'vitest';
import { sessionFixture, snapshotFixture, type FixtureSession } from '../../test/support/session-fixture.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { openSessionSeries } from './open-sessions.js';

function snapshot(sessions: FixtureSession[]): TargetSnapshot {
  return snapshotFixture({ target: 'prod', flavor: 'mysql', sessions });
}

describe('openSessionSeries', () => {
  it('counts sessions per tenant, schema, user and client address, without folding', () => {
    const series = openSessionSeries(
      snapshot([
        sessionFixture({ id: 1 }),
        sessionFixture({ id: 2 }),
        sessionFixture({ id: 3, db: '' }),
        sessionFixture({ id: 4, user: 'report', client_ip: '10.0.0.7' }),
        sessionFixture({ id: 5, tenant: 't2' }),
      ]),
    );
    expect(series).toEqual([
      { labels: { target: 'prod', tenant: 't1', db: 'shop', user: 'app', client_ip: '192.168.1.10' }, value: 2 },
      { labels: { target: 'prod', tenant: 't1', db: 'shop', user: 'report', client_ip: '10.0.0.7' }, value: 1 },
      { labels: { target: 'prod', tenant: 't1', db: '', user: 'app', client_ip: '192.168.1.10' }, value: 1 },
      { labels: { target: 'prod', tenant: 't2', db: 'shop', user: 'app', client_ip: '192.168.1.10' }, value: 1 },
    ]);
  });

  it('has no series for a snapshot without sessions, and computes a snapshot once', () => {
    expect(openSessionSeries(snapshot([]))).toEqual([]);
    const one = snapshot([sessionFixture()]);
    expect(openSessionSeries(one)).toBe(openSessionSeries(one));
  });
});
