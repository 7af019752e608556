import { Gauge, type Metric } from 'prom-client';
import type { SnapshotStore } from '../scrape/target-view.js';
import { openSessionSeries } from '../views/open-sessions.js';
import type { StartedSessions } from './started-sessions.js';

/** The metric names the Prometheus-backed history queries; the exporter publishes them under these. */
export const HISTORY_METRICS = {
  started: 'dbsession_sessions_started_total',
  open: 'dbsession_open_sessions',
  baseline: 'dbsession_history_baseline_timestamp_seconds',
} as const;

/**
 * What a Prometheus-compatible store needs to answer DBSS session windows (the
 * `history.prometheus_url` mode), next to dbsession_sessions_started_total: the sessions open
 * at each scrape, unfolded, and when the started counters began. Fresh objects per collection.
 */
export function historyMetrics(store: SnapshotStore, started: StartedSessions): Metric[] {
  return [
    new Gauge({
      name: HISTORY_METRICS.open,
      help: 'Sessions open at the last scrape, by tenant, schema, user and client address (not folded: history counts from it).',
      labelNames: ['target', 'tenant', 'db', 'user', 'client_ip'],
      registers: [],
      collect() {
        this.reset();
        for (const target of store.targets()) {
          if (target.snapshot === null) continue;
          for (const series of openSessionSeries(target.snapshot)) this.set(series.labels, series.value);
        }
      },
    }),
    new Gauge({
      name: HISTORY_METRICS.baseline,
      help: 'When this exporter took its baseline scrape of the target: dbsession_sessions_started_total counts sessions first seen after it, and a new value means those counters started again from zero.',
      labelNames: ['target'],
      registers: [],
      collect() {
        this.reset();
        for (const series of started.baselineSeries()) this.set(series.labels, series.value);
      },
    }),
  ];
}
