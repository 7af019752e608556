import { Counter, Gauge, Registry, type Metric, type RegistryContentType } from 'prom-client';
import type { SnapshotStore, TargetView } from '../scrape/target-view.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { openSessionSeries } from '../views/open-sessions.js';
import { snapshotSeries, type FoldingLimits, type Series, type SessionSeries } from '../views/session-series.js';
import { HISTORY_METRICS } from './history-metrics.js';
import { familyHeader, sampleLines } from './series-text.js';
import type { StartedSessions } from './started-sessions.js';

export interface PrometheusSources {
  readonly store: SnapshotStore;
  readonly started: StartedSessions;
  readonly limits: () => FoldingLimits;
  readonly configReloadSuccessful: () => boolean;
  readonly configReloadTimestamp: () => number;
  readonly version: string;
  /** Extra metric families of optional features (OTLP, history, ...). */
  readonly extra?: readonly Metric[];
}

/** A gauge family whose series come from each served snapshot. */
interface SnapshotGauge {
  readonly name: string;
  readonly help: string;
  readonly pick: (series: SessionSeries, snapshot: TargetSnapshot) => readonly Series[];
}

const SESSION_GAUGES: readonly SnapshotGauge[] = [
  {
    name: 'dbsession_sessions',
    help: 'Sessions by tenant, schema, user and state (schema and user beyond the top N per tenant fold into "other").',
    pick: (s) => s.sessions,
  },
  {
    name: 'dbsession_tenant_sessions',
    help: 'Sessions by tenant and state; every known tenant has ACTIVE and SLEEP series, zero when idle.',
    pick: (s) => s.tenantSessions,
  },
  {
    name: 'dbsession_client_sessions',
    help: 'Sessions by client address (beyond the top N per tenant folded into "other") and its country.',
    pick: (s) => s.clientSessions,
  },
  {
    name: 'dbsession_max_active_time_seconds',
    help: 'Longest time in its current state of any ACTIVE session of the tenant; 0 when none is active.',
    pick: (s) => s.maxActiveTimeSeconds,
  },
  {
    name: 'dbsession_connection_limit',
    help: 'Sessions the tenant or server accepts (max_connections), where the account can read it.',
    pick: (s) => s.connectionLimit,
  },
  {
    name: 'dbsession_observer_sessions',
    help: 'Sessions held by each database server (OceanBase observer).',
    pick: (s) => s.observerSessions,
  },
  {
    name: 'dbsession_country_sessions',
    help: 'Sessions by client country ("private" for reserved addresses, "unknown" when not in the GeoIP database).',
    pick: (s) => s.countrySessions,
  },
  {
    name: 'dbsession_client_version_sessions',
    help: 'Sessions by client driver, version (beyond the top N per tenant folded into "other") and support status.',
    pick: (s) => s.clientVersionSessions,
  },
  {
    name: HISTORY_METRICS.open,
    help: 'Sessions open at the last scrape, by tenant, schema, user and client address (not folded: history counts from it).',
    pick: (_, snapshot) => openSessionSeries(snapshot),
  },
];

const STARTED = {
  name: HISTORY_METRICS.started,
  /** OpenMetrics names a counter family without its samples' _total. */
  family: HISTORY_METRICS.started.replace(/_total$/, ''),
  help: 'Sessions first seen by this exporter (sessions already open at its first scrape of a target are not counted).',
} as const;

/**
 * The /metrics registry: prom-client for the exporter's own metrics, and the session families
 * (gauges of the current snapshots, started-session counters) rendered from their series, so a
 * label set that disappeared disappears from the output, and a target that is down or stale
 * exports no session series at all. Their text is made once per snapshot (once per change for
 * the counters): through prom-client (reset, set, format) it cost about a second per request at
 * 300k sessions over 1000 tenants.
 */
class SessionRegistry extends Registry<RegistryContentType> {
  constructor(private readonly sources: PrometheusSources) {
    super();
  }

  override async metrics(): Promise<string> {
    const own = await super.metrics();
    const openMetrics = this.contentType === Registry.OPENMETRICS_CONTENT_TYPE;
    const snapshots = this.sources.store.targets().flatMap((t) => (t.snapshot ? [t.snapshot] : []));
    const family = async (header: string, parts: Array<Promise<string>>): Promise<string> =>
      [header, ...(await Promise.all(parts))].filter((l) => l !== '').join('\n');
    const gauges = SESSION_GAUGES.map((spec) =>
      family(
        familyHeader(spec.name, spec.help, 'gauge'),
        snapshots.map((s) => sampleLines(spec.name, spec.pick(snapshotSeries(s, this.sources.limits()), s))),
      ),
    );
    const started = family(familyHeader(openMetrics ? STARTED.family : STARTED.name, STARTED.help, 'counter'), [
      sampleLines(STARTED.name, this.sources.started.series()),
    ]);
    // OpenMetrics allows no blank line; prom-client's text format puts one between families.
    const separator = openMetrics ? '\n' : '\n\n';
    return `${(await Promise.all([...gauges, started])).join(separator)}${separator}${own}`;
  }
}

export function createPrometheusRegistry(sources: PrometheusSources, contentType: RegistryContentType): Registry<RegistryContentType> {
  const registry = new SessionRegistry(sources);
  registry.setContentType(contentType);

  for (const metric of selfMetrics(sources)) registry.registerMetric(metric);
  for (const metric of sources.extra ?? []) registry.registerMetric(metric);
  return registry;
}

type TargetValue = (t: TargetView, now: number) => number | null;

function perTarget(store: SnapshotStore, name: string, help: string, value: TargetValue): Gauge {
  return new Gauge({
    name,
    help,
    labelNames: ['target'],
    registers: [],
    collect() {
      this.reset();
      const now = Date.now();
      for (const target of store.targets()) {
        const v = value(target, now);
        if (v !== null) this.set({ target: target.name }, v);
      }
    },
  });
}

function perTargetCounter(store: SnapshotStore, name: string, help: string, value: (t: TargetView) => number): Counter {
  return new Counter({
    name,
    help,
    labelNames: ['target'],
    registers: [],
    collect() {
      this.reset();
      for (const target of store.targets()) this.inc({ target: target.name }, value(target));
    },
  });
}

function selfMetrics(sources: PrometheusSources): Metric[] {
  const { store } = sources;
  return [
    perTarget(store, 'dbsession_up', 'Whether the last scrape of the target succeeded (1) or not (0).', (t) => (t.status.up ? 1 : 0)),
    perTarget(store, 'dbsession_scrape_duration_seconds', 'How long the last scrape of the target took.', (t) =>
      t.status.attempted ? t.status.lastDurationSeconds : null,
    ),
    perTarget(store, 'dbsession_last_scrape_timestamp_seconds', 'When the last successful scrape of the target finished.', (t) =>
      t.status.lastSuccessAt > 0 ? t.status.lastSuccessAt / 1000 : null,
    ),
    perTarget(
      store,
      'dbsession_data_age_seconds',
      'Age of the newest session data of the target (sessions are read every scrape_interval, not at each /metrics request).',
      (t, now) => (t.lastSnapshotAt > 0 ? (now - t.lastSnapshotAt) / 1000 : null),
    ),
    perTarget(
      store,
      'dbsession_process_privilege',
      'MySQL: whether the account holds PROCESS; without it only its own sessions are visible.',
      (t) => (t.snapshot?.processPrivilege == null ? null : t.snapshot.processPrivilege ? 1 : 0),
    ),
    perTargetCounter(store, 'dbsession_scrape_errors_total', 'Scrapes of the target that failed, timeouts included.', (t) => t.status.errors),
    perTargetCounter(
      store,
      'dbsession_scrape_timeouts_total',
      'Scrapes of the target abandoned after scrape_timeout (their connection was closed).',
      (t) => t.status.timeouts,
    ),
    new Gauge({
      name: 'dbsession_exporter_build_info',
      help: 'Version of the exporter and of Node.js it runs on; always 1.',
      labelNames: ['version', 'node_version'],
      registers: [],
      collect() {
        this.set({ version: sources.version, node_version: process.version }, 1);
      },
    }),
    new Gauge({
      name: 'dbsession_config_last_reload_successful',
      help: 'Whether the last configuration reload succeeded (1) or failed and the previous config is still in use (0).',
      registers: [],
      collect() {
        this.set(sources.configReloadSuccessful() ? 1 : 0);
      },
    }),
    new Gauge({
      name: 'dbsession_config_last_reload_success_timestamp_seconds',
      help: 'When the configuration was last loaded successfully.',
      registers: [],
      collect() {
        this.set(sources.configReloadTimestamp() / 1000);
      },
    }),
  ];
}
