import { Gauge, type Metric } from 'prom-client';
import type { StartedSessions } from './started-sessions.js';

/** The metric names the Prometheus-backed history queries; the exporter publishes them under these. */
export const HISTORY_METRICS = {
  started: 'dbsession_sessions_started_total',
  open: 'dbsession_open_sessions',
  baseline: 'dbsession_history_baseline_timestamp_seconds',
} as const;

/**
 * When the started counters of each target began, which the Prometheus-backed history mode
 * (`history.prometheus_url`) needs next to dbsession_sessions_started_total and
 * dbsession_open_sessions (both rendered with the session families, src/metrics/prometheus.ts).
 */
export function historyMetrics(started: StartedSessions): Metric[] {
  return [
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
