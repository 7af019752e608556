import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sessionFixture } from '../../test/support/session-fixture.js';
import { createLogger } from '../logging/logger.js';
import { plainEnrichment } from '../snapshot/enrichment.js';
import type { ReadSummary, SessionSink, SessionSource } from '../sources/source.js';
import { TargetScraper } from './target-scraper.js';

const INTERVAL_MS = 1_000;
const LIMITS = { max_clients_per_tenant: 50, max_dbs_per_tenant: 50, max_users_per_tenant: 50, max_versions_per_tenant: 20 };
const SUMMARY: ReadSummary = { flavor: 'mysql', tenants: [], databases: [], processPrivilege: true };

/**
 * The database side of a scraper: each read waits until the test ends it (or `autoEndMs` passes),
 * and the source counts how many reads run at once.
 */
class ManualSource implements SessionSource {
  private readonly pending: Array<(outcome: Error | null) => void> = [];
  reads = 0;
  running = 0;
  mostAtOnce = 0;

  constructor(private readonly autoEndMs: number | null = null) {}

  read(sink: SessionSink): Promise<ReadSummary> {
    this.reads++;
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    return new Promise<ReadSummary>((resolve, reject) => {
      const end = (outcome: Error | null) => {
        this.running--;
        if (outcome) return reject(outcome);
        sink(sessionFixture());
        resolve(SUMMARY);
      };
      if (this.autoEndMs === null) this.pending.push(end);
      else setTimeout(() => end(null), this.autoEndMs);
    });
  }

  /** Ends the oldest read in flight: with sessions, or failed with `error`. */
  end(error: Error | null = null): void {
    const next = this.pending.shift();
    if (!next) throw new Error('no read in flight');
    next(error);
  }

  readInfo = async () => new Map<string, string>();
  close = async () => {};
}

function scraperOf(source: SessionSource, intervalMs = INTERVAL_MS): TargetScraper {
  return new TargetScraper({
    target: 't',
    source,
    intervalMs,
    enrichment: () => plainEnrichment,
    limits: () => LIMITS,
    log: createLogger('error', new Writable({ write: (_chunk, _encoding, done) => done() })),
    onSnapshot: () => {},
  });
}

describe('TargetScraper', () => {
  it('serves a snapshot until it is two intervals old, then nothing, although the target is still up', async () => {
    const source = new ManualSource();
    const scraper = scraperOf(source);
    const scraping = scraper.scrapeNow();
    source.end();
    await scraping;
    const snapshot = scraper.current();
    expect(snapshot?.sessions).toHaveLength(1);
    const takenAt = snapshot!.takenAt;
    expect(scraper.current(takenAt + 2 * INTERVAL_MS)).toBe(snapshot);
    expect(scraper.current(takenAt + 2 * INTERVAL_MS + 1)).toBeNull();
    expect(scraper.scrapeStatus().up).toBe(true);
  });

  it('serves nothing once a scrape failed, even from fresh data', async () => {
    const source = new ManualSource();
    const scraper = scraperOf(source);
    const first = scraper.scrapeNow();
    source.end();
    await first;
    const takenAt = scraper.current()!.takenAt;
    const second = scraper.scrapeNow();
    source.end(new Error('connection refused'));
    await second;
    expect(scraper.scrapeStatus()).toMatchObject({ up: false, errors: 1, lastError: 'connection refused' });
    expect(scraper.current(takenAt)).toBeNull();
  });

  it('joins a scrape asked for while one runs instead of starting a second', async () => {
    const source = new ManualSource();
    const scraper = scraperOf(source);
    const first = scraper.scrapeNow();
    expect(scraper.scrapeNow()).toBe(first);
    expect(source.reads).toBe(1);
    source.end();
    await first;
    const next = scraper.scrapeNow();
    expect(next).not.toBe(first);
    expect(source.reads).toBe(2);
    source.end();
    await next;
  });

  it('never overlaps its own scrapes on its timer when each takes longer than the interval', async () => {
    const source = new ManualSource(60);
    const scraper = scraperOf(source, 10);
    scraper.start();
    await new Promise((r) => setTimeout(r, 400));
    await scraper.stop();
    expect(source.reads).toBeGreaterThanOrEqual(3);
    expect(source.mostAtOnce).toBe(1);
  });
});
