import { ValueType } from '@opentelemetry/api';
import type { StartedSessions } from '../metrics/started-sessions.js';
import type { TargetView } from '../scrape/target-view.js';
import { snapshotSeries, type FoldingLimits, type Series, type SessionSeries } from '../views/session-series.js';

/**
 * gauge: a current value (Gauge). updown: a count that goes up and down, always cumulative
 * (non-monotonic Sum, as an UpDownCounter). counter: a monotonic Sum, cumulative or delta.
 */
export type InstrumentKind = 'gauge' | 'updown' | 'counter';

/** What every instrument is computed from at one export. */
export interface ExportInput {
  readonly targets: readonly TargetView[];
  readonly limits: FoldingLimits;
  readonly started: StartedSessions;
  /** Epoch milliseconds of the export. */
  readonly now: number;
}

export interface InstrumentSpec {
  /** The OpenTelemetry name. */
  readonly name: string;
  /** The /metrics family with the same meaning, label names and values. */
  readonly prometheus: string;
  readonly description: string;
  readonly unit: string;
  readonly kind: InstrumentKind;
  readonly valueType: ValueType;
  readonly series: (input: ExportInput) => readonly Series[];
}

/** The same series /metrics serves: the views of the snapshots that are fit to serve. */
const fromSnapshots =
  (pick: (s: SessionSeries) => readonly Series[]) =>
  ({ targets, limits }: ExportInput): Series[] =>
    targets.flatMap((t) => (t.snapshot ? pick(snapshotSeries(t.snapshot, limits)) : []));

const perTarget =
  (value: (t: TargetView, now: number) => number | null) =>
  ({ targets, now }: ExportInput): Series[] =>
    targets.flatMap((t) => {
      const v = value(t, now);
      return v === null ? [] : [{ labels: { target: t.name }, value: v }];
    });

const sessions = (
  name: string,
  prometheus: string,
  description: string,
  pick: (s: SessionSeries) => readonly Series[],
): InstrumentSpec => ({ name, prometheus, description, unit: '{session}', kind: 'updown', valueType: ValueType.INT, series: fromSnapshots(pick) });

export const INSTRUMENTS: readonly InstrumentSpec[] = [
  sessions('db.client.session.count', 'dbsession_sessions', 'Sessions by tenant, schema, user and state.', (s) => s.sessions),
  sessions(
    'db.client.session.tenant.count',
    'dbsession_tenant_sessions',
    'Sessions by tenant and state; ACTIVE and SLEEP are present (0) for every known tenant.',
    (s) => s.tenantSessions,
  ),
  sessions('db.client.session.client.count', 'dbsession_client_sessions', 'Sessions by client address and its country.', (s) => s.clientSessions),
  sessions('db.client.session.country.count', 'dbsession_country_sessions', 'Sessions by client country and continent.', (s) => s.countrySessions),
  sessions(
    'db.client.session.client_version.count',
    'dbsession_client_version_sessions',
    'Sessions by client driver, version and support status.',
    (s) => s.clientVersionSessions,
  ),
  sessions('db.client.session.observer.count', 'dbsession_observer_sessions', 'Sessions held by each database server.', (s) => s.observerSessions),
  {
    name: 'db.client.session.active_time.max',
    prometheus: 'dbsession_max_active_time_seconds',
    description: 'Longest time in its current state of any ACTIVE session of the tenant; 0 when none is active.',
    unit: 's',
    kind: 'gauge',
    valueType: ValueType.DOUBLE,
    series: fromSnapshots((s) => s.maxActiveTimeSeconds),
  },
  {
    name: 'db.client.session.limit',
    prometheus: 'dbsession_connection_limit',
    description: 'Sessions the tenant or server accepts (max_connections), where the account can read it.',
    unit: '{session}',
    kind: 'gauge',
    valueType: ValueType.INT,
    series: fromSnapshots((s) => s.connectionLimit),
  },
  {
    name: 'db.client.session.started',
    prometheus: 'dbsession_sessions_started_total',
    description: 'Sessions first seen by this exporter (those open at its first scrape of a target are not counted).',
    unit: '{session}',
    kind: 'counter',
    valueType: ValueType.INT,
    series: ({ started }) => started.series(),
  },
  {
    name: 'dbsession.target.up',
    prometheus: 'dbsession_up',
    description: 'Whether the last scrape of the target succeeded (1) or not (0).',
    unit: '{target}',
    kind: 'gauge',
    valueType: ValueType.INT,
    series: perTarget((t) => (t.status.up ? 1 : 0)),
  },
  {
    name: 'dbsession.scrape.duration',
    prometheus: 'dbsession_scrape_duration_seconds',
    description: 'How long the last scrape of the target took.',
    unit: 's',
    kind: 'gauge',
    valueType: ValueType.DOUBLE,
    series: perTarget((t) => (t.status.attempted ? t.status.lastDurationSeconds : null)),
  },
  {
    name: 'dbsession.data.age',
    prometheus: 'dbsession_data_age_seconds',
    description: 'Age of the newest session data of the target.',
    unit: 's',
    kind: 'gauge',
    valueType: ValueType.DOUBLE,
    series: perTarget((t, now) => (t.lastSnapshotAt > 0 ? (now - t.lastSnapshotAt) / 1000 : null)),
  },
  {
    name: 'dbsession.scrape.errors',
    prometheus: 'dbsession_scrape_errors_total',
    description: 'Scrapes of the target that failed, timeouts included.',
    unit: '{scrape}',
    kind: 'counter',
    valueType: ValueType.INT,
    series: perTarget((t) => t.status.errors),
  },
  {
    name: 'dbsession.scrape.timeouts',
    prometheus: 'dbsession_scrape_timeouts_total',
    description: 'Scrapes of the target abandoned after scrape_timeout.',
    unit: '{scrape}',
    kind: 'counter',
    valueType: ValueType.INT,
    series: perTarget((t) => t.status.timeouts),
  },
  {
    name: 'dbsession.process_privilege',
    prometheus: 'dbsession_process_privilege',
    description: 'MySQL: whether the account holds PROCESS (1) or sees only its own sessions (0).',
    // Unitless rather than "1": a Collector's Prometheus exporter would add `_ratio` to a "1" gauge.
    unit: '',
    kind: 'gauge',
    valueType: ValueType.INT,
    series: perTarget((t) => (t.snapshot?.processPrivilege == null ? null : t.snapshot.processPrivilege ? 1 : 0)),
  },
];

/**
 * The dbsession_* families of /metrics deliberately left out of OTLP, with why. Every family
 * /metrics serves is an instrument's `prometheus` or listed here, which a test checks, so a new
 * family is never left out by accident.
 */
export const NOT_PUSHED: Readonly<Record<string, string>> = {
  dbsession_last_scrape_timestamp_seconds: 'every OTLP point carries its own time',
  dbsession_exporter_build_info: "the resource's service.version says it",
  dbsession_config_last_reload_successful: 'about the exporter process, not the sessions: read it on /metrics',
  dbsession_config_last_reload_success_timestamp_seconds: 'about the exporter process, not the sessions: read it on /metrics',
  dbsession_otlp_export_failures_total: 'about the push itself, which cannot report its own failures',
  dbsession_open_sessions:
    'only for the history.prometheus_url mode, which queries it under this name in a store that scrapes /metrics (a Collector renames it); it is unfolded by client address, so the cardinality limit would fold it, and db.client.session.count has the same sessions',
  dbsession_history_baseline_timestamp_seconds:
    'only for the history.prometheus_url mode, which queries it under this name; over OTLP, db.client.session.started carries its own start time',
};
