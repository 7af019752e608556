import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { sessionFixture, snapshotFixture } from '../../test/support/session-fixture.js';
import { parseSamples } from '../../test/support/prometheus-text.js';
import type { SnapshotStore, TargetView } from '../scrape/target-view.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { createPrometheusRegistry } from './prometheus.js';
import { StartedSessions } from './started-sessions.js';

const LIMITS = { max_clients_per_tenant: 50, max_dbs_per_tenant: 50, max_users_per_tenant: 50, max_versions_per_tenant: 20 };

function view(name: string, snapshot: TargetSnapshot | null): TargetView {
  return {
    name,
    status: { target: name, attempted: true, up: snapshot !== null, lastDurationSeconds: 0.1, lastSuccessAt: 1000, errors: 0, timeouts: 0, lastError: null },
    snapshot,
    lastSnapshotAt: 1000,
  };
}

const snapshot: TargetSnapshot = snapshotFixture({
  target: 'ob',
  takenAt: 1000,
  tenants: [{ name: 't1', id: 1002, connectionLimit: 100, locked: false }],
  sessions: [sessionFixture({ id: 1, user: 'we"ird\\user\nname', state: 'ACTIVE', time: 2.5 }), sessionFixture({ id: 2 })],
});

function registry(contentType: typeof Registry.PROMETHEUS_CONTENT_TYPE | typeof Registry.OPENMETRICS_CONTENT_TYPE, views: TargetView[]) {
  const store: SnapshotStore = { targets: () => views, target: (n) => views.find((v) => v.name === n), sourceOf: () => undefined };
  return createPrometheusRegistry(
    { store, started: new StartedSessions(), limits: () => LIMITS, configReloadSuccessful: () => true, configReloadTimestamp: () => 0, version: 'test' },
    contentType,
  );
}

describe('the /metrics registry', () => {
  it('renders every session gauge of the served snapshots, label values escaped, beside prom-client metrics', async () => {
    const text = await registry(Registry.PROMETHEUS_CONTENT_TYPE, [view('ob', snapshot), view('down', null)]).metrics();
    const samples = parseSamples(text);
    const value = (name: string, labels: Record<string, string>) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
    expect(value('dbsession_sessions', { target: 'ob', user: 'we"ird\\user\nname', state: 'ACTIVE' })).toEqual([1]);
    expect(value('dbsession_tenant_sessions', { target: 'ob', tenant: 't1', state: 'SLEEP' })).toEqual([1]);
    expect(value('dbsession_max_active_time_seconds', { target: 'ob', tenant: 't1' })).toEqual([2.5]);
    expect(value('dbsession_connection_limit', { tenant: 't1' })).toEqual([100]);
    expect(value('dbsession_up', { target: 'down' })).toEqual([0]);
    expect(samples.some((s) => s.labels.target === 'down' && s.name.startsWith('dbsession_sessions'))).toBe(false);
    expect(text).toContain('# TYPE dbsession_client_version_sessions gauge\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('keeps OpenMetrics free of blank lines and ends it with # EOF', async () => {
    const text = await registry(Registry.OPENMETRICS_CONTENT_TYPE, [view('ob', snapshot)]).metrics();
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text).not.toContain('\n\n');
    expect(text).toContain('# HELP dbsession_sessions ');
  });

  it('lists the gauge families without samples when no target is served', async () => {
    const text = await registry(Registry.PROMETHEUS_CONTENT_TYPE, [view('down', null)]).metrics();
    expect(text).toContain('# TYPE dbsession_sessions gauge\n\n');
    expect(parseSamples(text).filter((s) => s.name === 'dbsession_sessions')).toEqual([]);
  });
});
