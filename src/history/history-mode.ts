import { ConfigError } from '../config/load.js';
import type { HistorySection } from '../history-prometheus/config.js';
import { PrometheusHistory } from '../history-prometheus/backend.js';
import { StoreRetention } from '../history-prometheus/retention.js';
import type { DbssHistory, Retention } from '../http/dbss/router.js';
import type { Logger } from '../logging/logger.js';
import { HistoryRecorder } from './recorder.js';
import { openHistoryStore } from './store.js';

export interface History {
  /** Fed every snapshot; closes the store on stop. */
  readonly recorder: HistoryRecorder;
  /** What the DBSS statistics read; null when history is off. */
  readonly dbss: DbssHistory | null;
}

/**
 * The `history` section at start: off, the Prometheus-backed reader, or the embedded store,
 * opened here so that a directory another exporter holds stops this one with a clear message.
 */
export async function openHistory(section: HistorySection | undefined, log: Logger): Promise<History> {
  if (section === undefined) return { recorder: new HistoryRecorder(null, log), dbss: null };
  if (section.mode === 'prometheus') {
    const counts = new PrometheusHistory(section, log);
    if (section.retentionMs !== null) return { recorder: new HistoryRecorder(null, log), dbss: { counts, retention: configured(section.retentionMs) } };
    const asked = new StoreRetention(section, log);
    return { recorder: new HistoryRecorder(null, log), dbss: { counts, retention: () => asked.get() } };
  }
  try {
    const store = await openHistoryStore({ path: section.path, retentionMs: section.retentionMs, log });
    return { recorder: new HistoryRecorder(store, log), dbss: { counts: store, retention: configured(section.retentionMs) } };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`cannot open the history store: ${reason} (history.path must be a writable directory no other exporter uses)`);
  }
}

/** `history.retention` as set, or its default. */
function configured(ms: number): () => Promise<Retention> {
  const retention: Retention = { ms, source: 'history.retention' };
  return async () => retention;
}
