import { parseDuration } from '../config/duration.js';
import type { Retention } from '../http/dbss/router.js';
import type { Logger } from '../logging/logger.js';
import { PrometheusClient } from './client.js';
import type { PrometheusHistoryConfig } from './config.js';

/**
 * The window assumed when the store does not say how long it keeps data: the embedded store's
 * default, so that DBSS's MONTH (30 days) is answered by Thanos, Mimir or VictoriaMetrics, which
 * are usually set up to keep more than a month.
 */
export const UNREPORTED_RETENTION_MS = 31 * 86_400_000;
/** A store's retention changes only when it restarts with other flags. */
const RECHECK_MS = 5 * 60_000;
/** The store answers this in microseconds; more means it is in trouble, and so is the query after it. */
const ASK_TIMEOUT_MS = 10_000;

/** The time part of Prometheus's `storageRetention`: `15d`, `30d or 512MiB`; null for `512MiB` (size only) or anything else. */
export function retentionOfRuntimeInfo(storageRetention: string): number | null {
  for (const part of storageRetention.split(' or ')) {
    const ms = parseDuration(part.trim());
    if (ms !== null && ms > 0) return ms;
  }
  return null;
}

/**
 * How far back the Prometheus-backed mode answers when `history.retention` is not set: what the
 * store reports (Prometheus's storage retention, `--storage.tsdb.retention.time`, 15 days unless
 * set), else UNREPORTED_RETENTION_MS. Asked at the first request and again every few minutes.
 * Assuming more than the store keeps would not be refused: a window reaching past its oldest
 * data would be answered from what is left, silently short.
 */
export class StoreRetention {
  private known: { retention: Retention; until: number } | null = null;

  constructor(
    private readonly config: Pick<PrometheusHistoryConfig, 'url' | 'headers'>,
    private readonly log: Logger,
  ) {}

  /** Rejects with a PrometheusError (a 503) only when the store cannot be reached. */
  async get(now = Date.now()): Promise<Retention> {
    if (this.known !== null && now < this.known.until) return this.known.retention;
    const client = new PrometheusClient(this.config.url, this.config.headers);
    const reported = await client.storageRetention(AbortSignal.timeout(ASK_TIMEOUT_MS));
    const ms = reported === null ? null : retentionOfRuntimeInfo(reported);
    const retention: Retention =
      ms === null
        ? { ms: UNREPORTED_RETENTION_MS, source: 'the default retention (the store reports none; set history.retention)' }
        : { ms, source: 'the retention the store reports' };
    if (this.known?.retention.ms !== retention.ms) {
      this.log.info({ url: this.config.url, storageRetention: reported, retentionMs: retention.ms }, 'history: windows are answered as far back as the store keeps data');
    }
    this.known = { retention, until: now + RECHECK_MS };
    return retention;
  }
}
