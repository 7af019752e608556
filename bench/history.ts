/**
 * History store at scale: one target scraped every 30 s for 30 days, 1M sessions in all (4
 * tenants, ~5k client IPs, 50 schemas, 100 users; most sessions live minutes, some hours, a
 * few days, one in twenty changes schema), then MONTH / DAY / HOUR windows.
 *   npx tsx bench/history.ts            (HISTORY_BENCH_SESSIONS=200000 for a quicker run)
 * Prints the write cost per scrape (bulk, and with the default fsync), query latencies, RSS and
 * disk use.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openHistoryStore, type GroupBy, type HistoryStore, type ObservedSession } from '../src/history/store.js';
import { median, mib, ms, printTable, type Figure } from './results.js';

const SESSIONS = Number(process.env.HISTORY_BENCH_SESSIONS ?? 1_000_000);
const DAYS = 30;
const INTERVAL = 30_000;
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const SCRAPES = (DAYS * DAY) / INTERVAL;
const TENANTS = ['shop', 'hr', 'billing', 'sys'];
const SYNCED_SCRAPES = 300;
const QUERY_ROUNDS = 5;

// Deterministic (mulberry32) so every run measures the same workload.
let seed = 0x2545f491;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
const skewed = (count: number): number => Math.floor(count * random() ** 2);

/** Scrapes a session lives: minutes mostly, hours for some, days for pooled connections. */
function lifetimeInScrapes(): number {
  const roll = random();
  const minutes = roll < 0.8 ? 1 + random() * 10 : roll < 0.99 ? 30 + random() * 240 : 1440 * (1 + random() * 5);
  return Math.max(1, Math.round((minutes * 60_000) / INTERVAL));
}

interface Live {
  session: ObservedSession;
  endsAt: number;
  movesAt: number;
}

class Workload {
  private live: Live[] = [];
  private started = 0;
  private readonly perScrape = SESSIONS / SCRAPES;
  private readonly dbs = ['', ...Array.from({ length: 49 }, (_, index) => `schema_${index}`)];

  /** The sessions alive at scrape `index`. */
  scrape(index: number): ObservedSession[] {
    this.live = this.live.filter((live) => live.endsAt > index);
    for (const live of this.live) if (live.movesAt === index) live.session = { ...live.session, db: pick(this.dbs) };
    const due = Math.min(SESSIONS, Math.round((index + 1) * this.perScrape));
    for (; this.started < due; this.started++) {
      const id = this.started;
      this.live.push({
        session: {
          key: `10.0.${id % 3}.1|2882|${id}`,
          tenant: TENANTS[skewed(TENANTS.length)] ?? 'shop',
          db: this.dbs[skewed(this.dbs.length)] ?? '',
          user: `user_${skewed(100)}`,
          client_ip: `172.${16 + (id % 4)}.${skewed(40)}.${skewed(32)}`,
        },
        endsAt: index + lifetimeInScrapes(),
        movesAt: random() < 0.05 ? index + 1 + Math.floor(random() * 10) : -1,
      });
    }
    return this.live.map((live) => live.session);
  }

  get alive(): number {
    return this.live.length;
  }
}

/** Wall and CPU time of a query (CPU time is what a shared, busy machine distorts least). */
async function timeQuery(store: HistoryStore, from: number, to: number, by: GroupBy): Promise<{ wall: number[]; cpu: number[]; rows: number; sessions: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  let rows: Array<{ sessions: number }> = [];
  for (let round = 0; round < QUERY_ROUNDS; round++) {
    const began = performance.now();
    const cpuBefore = process.cpuUsage();
    rows = await store.query({ target: 'bench', tenant: 'shop', from, to, by });
    const { user, system } = process.cpuUsage(cpuBefore);
    wall.push(performance.now() - began);
    cpu.push((user + system) / 1000);
  }
  return { wall, cpu, rows: rows.length, sessions: rows.reduce((sum, row) => sum + row.sessions, 0) };
}

const dir = await mkdtemp(join(tmpdir(), 'history-bench-'));
const figures: Figure[] = [];
try {
  const workload = new Workload();
  let store = await openHistoryStore({ path: dir, retentionMs: 31 * DAY, sync: false });
  let maxAlive = 0;
  let recordMs = 0;
  let index = 0;
  for (; index < SCRAPES; index++) {
    const alive = workload.scrape(index);
    maxAlive = Math.max(maxAlive, alive.length);
    const began = performance.now();
    await store.record('bench', START + index * INTERVAL, alive);
    recordMs += performance.now() - began;
  }
  await store.close();
  const rssAfterFill = process.memoryUsage().rss;
  const diskBytes = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

  const reopenBegan = performance.now();
  store = await openHistoryStore({ path: dir, retentionMs: 31 * DAY });
  const reopenMs = performance.now() - reopenBegan;
  let syncedMs = 0;
  for (let step = 0; step < SYNCED_SCRAPES; step++, index++) {
    const alive = workload.scrape(index);
    const began = performance.now();
    await store.record('bench', START + index * INTERVAL, alive);
    syncedMs += performance.now() - began;
  }
  const end = START + (index - 1) * INTERVAL;

  figures.push(
    { name: 'sessions stored', measured: `${SESSIONS} over ${DAYS} days, ${SCRAPES} scrapes`, target: null, met: null },
    { name: 'sessions alive per scrape (max)', measured: String(maxAlive), target: null, met: null },
    { name: 'write per scrape, bulk (no fsync)', measured: ms(recordMs / SCRAPES), target: null, met: null },
    { name: 'write per scrape, fsync (default)', measured: ms(syncedMs / SYNCED_SCRAPES), target: '< scrape interval', met: syncedMs / SYNCED_SCRAPES < INTERVAL },
    { name: 'disk use', measured: `${mib(diskBytes)} (${mib((diskBytes * 1_000_000) / SESSIONS)} per 1M sessions)`, target: null, met: null },
    { name: 'reopen (recover newest segment)', measured: ms(reopenMs), target: null, met: null },
  );
  for (const [label, from] of [
    ['MONTH', end - 30 * DAY],
    ['DAY', end - DAY],
    ['HOUR', end - DAY / 24],
  ] as const) {
    for (const by of ['client', 'account'] satisfies GroupBy[]) {
      const result = await timeQuery(store, from, end, by);
      const wall = median(result.wall);
      figures.push({
        name: `${label} window by ${by} (tenant shop)`,
        measured: `${ms(wall)} median (CPU ${ms(median(result.cpu))}), first ${ms(result.wall[0] ?? Number.NaN)}; ${result.sessions} sessions in ${result.rows} rows`,
        target: label === 'MONTH' ? '< 1000 ms' : null,
        met: label === 'MONTH' ? wall < 1000 : null,
      });
    }
  }
  await store.close();
  const memory = process.memoryUsage();
  figures.push(
    { name: 'RSS after filling', measured: mib(rssAfterFill), target: null, met: null },
    { name: 'RSS after queries (heap used)', measured: `${mib(memory.rss)} (${mib(memory.heapUsed)})`, target: null, met: null },
  );
  printTable(figures);
} finally {
  await rm(dir, { recursive: true, force: true });
}
