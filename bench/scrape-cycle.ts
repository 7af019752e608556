import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import { targetSchema } from '../src/config/schema.js';
import { createLogger } from '../src/logging/logger.js';
import { TargetScraper } from '../src/scrape/target-scraper.js';
import { buildSnapshot } from '../src/snapshot/build.js';
import type { Enrichment } from '../src/snapshot/enrichment.js';
import { SessionTracker } from '../src/snapshot/identity.js';
import { StartedSessions } from '../src/metrics/started-sessions.js';
import type { Session } from '../src/snapshot/session.js';
import { createTargetSource } from '../src/sources/target-source.js';
import type { SessionSource, SourceRead } from '../src/sources/source.js';
import type { FoldingLimits } from '../src/views/session-series.js';
import type { TestDatabase } from '../test/support/mariadb.js';
import { median } from './results.js';

/** The columns the oceanbase reader selects from a 4.3 view: the bare query reads the same. */
const BARE_SQL =
  'SELECT SVR_IP, SVR_PORT, ID, USER, HOST, DB, TENANT, COMMAND, TIME, STATE, SQL_PORT, PROXY_SESSID, USER_CLIENT_IP, ACTION, ' +
  'MODULE, CLIENT_INFO, LEVEL, SAMPLE_PERCENTAGE, RECORD_POLICY, SQL_ID, TOTAL_CPU_TIME, MEMORY_USAGE FROM oceanbase.`GV$OB_PROCESSLIST`';

export const DEFAULT_LIMITS: FoldingLimits = {
  max_clients_per_tenant: 50,
  max_dbs_per_tenant: 50,
  max_users_per_tenant: 50,
  max_versions_per_tenant: 20,
};

/** Wall and CPU time of one piece of work, and the longest event-loop stall while it ran. */
export interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly stallMs: number;
}

export interface CycleMeasurement {
  /** A bare mysql2 query of the same rows, the floor a scrape is measured against. */
  readonly bare: Timing;
  /** Source read + snapshot + series + started-session counters, as the exporter runs them. */
  readonly scrape: Timing;
  /** Longest stall over every scrape round (scrape.stallMs is the median round's longest). */
  readonly worstScrapeStallMs: number;
  /** Longest stall of this process doing nothing for as long as the scrapes took: the machine's own noise. */
  readonly idleStallMs: number;
  readonly sessions: number;
}

/** Wall clock and CPU (user + system, so mysql2's parsing counts) of `work` on this process. */
export async function costOf(work: () => Promise<unknown>): Promise<Omit<Timing, 'stallMs'>> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * The longest event-loop delay while `work` runs, sampled every millisecond. Measured in rounds
 * of its own: the sampling timer wakes the loop every millisecond, which costs CPU of its own
 * (10-30% of a time-sliced scrape's) that is not the exporter's.
 */
export async function stallOf(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await work();
  // A stall at the very end shows only when the next timer fires.
  await sleep(5);
  histogram.disable();
  return histogram.max / 1e6;
}

/** Cost and stall of `work`, each from its own run. */
export async function timed(work: () => Promise<unknown>): Promise<Timing> {
  const cost = await costOf(work);
  return { ...cost, stallMs: await stallOf(work) };
}

function medianTiming(timings: readonly Timing[]): Timing {
  return {
    wallMs: median(timings.map((t) => t.wallMs)),
    cpuMs: median(timings.map((t) => t.cpuMs)),
    stallMs: median(timings.map((t) => t.stallMs)),
  };
}

export function openBenchSource(db: TestDatabase): SessionSource {
  return createTargetSource(targetSchema.parse({ name: 'bench', url: db.url, flavor: 'oceanbase' }), 120_000);
}

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * The exporter's own scraper of one target, with what the exporter does with each snapshot
 * (counting started sessions and the zero series of every label set): each cycle() is one
 * scrape, exactly as served. History is off by default, as it is here.
 */
function benchScraper(source: SessionSource, enrichment: Enrichment): { scraper: TargetScraper; cycle(): Promise<void> } {
  const started = new StartedSessions();
  let counted: Promise<void> = Promise.resolve();
  const scraper = new TargetScraper({
    target: 'bench',
    source,
    intervalMs: 3_600_000,
    enrichment: () => enrichment,
    limits: () => DEFAULT_LIMITS,
    log: createLogger('error', discard),
    onSnapshot: (snapshot) => {
      counted = started.add(snapshot);
    },
  });
  return {
    scraper,
    async cycle() {
      await scraper.scrapeNow();
      const status = scraper.scrapeStatus();
      if (!status.up) throw new Error(`scrape failed: ${status.lastError}`);
      await counted;
    },
  };
}

export async function bareFetch(connection: Connection): Promise<number> {
  const [rows] = await connection.query(BARE_SQL);
  return (rows as unknown[]).length;
}

/**
 * Alternates bare fetches and scrape cycles (after one warm-up of each, which also gives the
 * tracker its baseline), so that drift affects both alike; medians of `rounds`, each round one
 * run timed for cost and one sampled for stalls.
 */
export async function measureCycle(db: TestDatabase, enrichment: Enrichment, rounds: number): Promise<CycleMeasurement> {
  const bare = await db.connect();
  const { scraper, cycle } = benchScraper(openBenchSource(db), enrichment);
  try {
    const sessions = await bareFetch(bare);
    await cycle();
    const bareTimes: Timing[] = [];
    const scrapeTimes: Timing[] = [];
    for (let round = 0; round < rounds; round++) {
      bareTimes.push(await timed(() => bareFetch(bare)));
      scrapeTimes.push(await timed(cycle));
    }
    const scrape = medianTiming(scrapeTimes);
    const idleStallMs = await stallOf(() => sleep(Math.max(1000, scrape.wallMs * rounds)));
    return {
      bare: medianTiming(bareTimes),
      scrape,
      worstScrapeStallMs: Math.max(...scrapeTimes.map((t) => t.stallMs)),
      idleStallMs,
      sessions,
    };
  } finally {
    await bare.end();
    await scraper.stop();
  }
}

/** buildSnapshot alone over one read, with each enrichment: what locating and classifying add. */
export async function measureEnrichment(
  db: TestDatabase,
  enrichments: { readonly plain: Enrichment; readonly enriched: Enrichment },
  rounds: number,
): Promise<{ plainMs: number; enrichedMs: number; distinctAddresses: number }> {
  const source = openBenchSource(db);
  const sessions: Session[] = [];
  let read: SourceRead;
  try {
    read = { ...(await source.read((session) => sessions.push(session))), sessions };
  } finally {
    await source.close();
  }
  const plainTimes: number[] = [];
  const enrichedTimes: number[] = [];
  let distinctAddresses = 0;
  for (let round = 0; round < rounds; round++) {
    plainTimes.push((await costOf(() => buildSnapshot('bench', read, new SessionTracker(), enrichments.plain, 0))).wallMs);
    enrichedTimes.push(
      (
        await costOf(async () => {
          const { groups } = await buildSnapshot('bench', read, new SessionTracker(), enrichments.enriched, 0);
          distinctAddresses = new Set(groups.map((g) => g.client_ip)).size;
        })
      ).wallMs,
    );
  }
  return { plainMs: median(plainTimes), enrichedMs: median(enrichedTimes), distinctAddresses };
}
