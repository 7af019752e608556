import type { Logger } from '../logging/logger.js';
import { TimeoutError } from '../sources/connection-pool.js';
import { isStatementTimeout } from '../sources/statement-timeout.js';
import type { SessionSource } from '../sources/source.js';
import { SnapshotBuilder } from '../snapshot/build.js';
import type { Enrichment } from '../snapshot/enrichment.js';
import { SessionTracker } from '../snapshot/identity.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { prepareSeries, type FoldingLimits } from '../views/session-series.js';

/** What the exporter knows about one target's scraping, for self-metrics and readiness. */
export interface ScrapeStatus {
  readonly target: string;
  readonly attempted: boolean;
  readonly up: boolean;
  /** Seconds the last attempt took. */
  readonly lastDurationSeconds: number;
  /** Epoch ms of the last successful scrape, 0 when none. */
  readonly lastSuccessAt: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly lastError: string | null;
}

export type SnapshotListener = (snapshot: TargetSnapshot) => void;

export interface TargetScraperOptions {
  readonly target: string;
  readonly source: SessionSource;
  readonly intervalMs: number;
  readonly enrichment: () => Enrichment;
  /** Folding limits the series are prepared with before a snapshot is served. */
  readonly limits: () => FoldingLimits;
  readonly log: Logger;
  readonly onSnapshot: SnapshotListener;
}

/**
 * Scrapes one target every interval, on its own timer: a slow target never delays another, and
 * a tick that comes while a scrape still runs is skipped (never two scrapes of one target).
 */
export class TargetScraper {
  private snapshot: TargetSnapshot | null = null;
  private status: ScrapeStatus;
  private readonly tracker = new SessionTracker();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: TargetScraperOptions) {
    this.status = {
      target: options.target,
      attempted: false,
      up: false,
      lastDurationSeconds: 0,
      lastSuccessAt: 0,
      errors: 0,
      timeouts: 0,
      lastError: null,
    };
  }

  get name(): string {
    return this.options.target;
  }

  start(): void {
    this.tick();
  }

  /**
   * Stops the timer and closes the source, which ends a scrape in flight at once (its connection
   * is destroyed) rather than waiting up to scrape_timeout for an answer nobody will use.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.options.source.close();
    await this.running;
  }

  scrapeStatus(): ScrapeStatus {
    return this.status;
  }

  /**
   * The snapshot to serve, or null when the target is down or its data is older than two
   * intervals: stale sessions are never exported as current (clarification 1).
   */
  current(now = Date.now()): TargetSnapshot | null {
    if (!this.status.up || !this.snapshot) return null;
    return now - this.snapshot.takenAt <= 2 * this.options.intervalMs ? this.snapshot : null;
  }

  source(): SessionSource {
    return this.options.source;
  }

  /** Runs one scrape now (used by the timer; exposed so tests need no waiting). */
  scrapeNow(): Promise<void> {
    this.running ??= this.scrape().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private tick(): void {
    if (this.stopped) return;
    const startedAt = Date.now();
    void this.scrapeNow().finally(() => {
      if (this.stopped) return;
      const wait = Math.max(0, this.options.intervalMs - (Date.now() - startedAt));
      this.timer = setTimeout(() => this.tick(), wait);
      this.timer.unref?.();
    });
  }

  private async scrape(): Promise<void> {
    const started = performance.now();
    try {
      // Sessions are enriched and identified as rows arrive; the series are counted in a second
      // pass, which costs less than interleaving their tables with the parsing.
      const builder = new SnapshotBuilder(this.options.target, this.tracker, this.options.enrichment(), Date.now());
      const read = await this.options.source.read((session) => builder.add(session));
      const snapshot = builder.finish(read, Date.now());
      await prepareSeries(snapshot, this.options.limits());
      this.snapshot = snapshot;
      this.finish(started, { up: true, lastSuccessAt: snapshot.takenAt, lastError: null });
      if (!this.stopped) this.options.onSnapshot(snapshot);
    } catch (error) {
      if (this.stopped) return;
      const timedOut = error instanceof TimeoutError || isStatementTimeout(error);
      const message = error instanceof Error ? error.message : String(error);
      this.finish(started, {
        up: false,
        errors: this.status.errors + 1,
        timeouts: this.status.timeouts + (timedOut ? 1 : 0),
        lastError: message,
      });
      this.options.log.warn(
        { target: this.options.target, err: message, timeout: timedOut, code: (error as { code?: string }).code },
        'scrape failed: target marked down',
      );
    }
  }

  private finish(started: number, change: Partial<ScrapeStatus>): void {
    const wasUp = this.status.up;
    this.status = {
      ...this.status,
      ...change,
      attempted: true,
      lastDurationSeconds: (performance.now() - started) / 1000,
    };
    if (this.status.up && !wasUp && this.status.errors > 0) {
      this.options.log.info({ target: this.options.target }, 'target is back up');
    }
  }
}
