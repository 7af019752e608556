import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startExporterProcess } from '../test/support/exporter-process.js';
import type { BenchDatabase } from './bench-database.js';
import { fillCluster, type ClusterShape } from './emulated-cluster.js';
import { median } from './results.js';

export interface SoakResult {
  readonly shape: ClusterShape;
  readonly minutes: number;
  readonly scrapes: number;
  /** Highest RSS after warm-up, bytes. */
  readonly peakRss: number;
  /** Highest RSS in the last third of the soak minus that of the first third after warm-up, bytes. */
  readonly growth: number;
  /** RSS sampled once a minute (or at the end), bytes. */
  readonly timeline: readonly number[];
  readonly metricsMedianMs: number;
  readonly metricsMaxMs: number;
}

const INTERVAL_S = 10;
const WARM_UP_SCRAPES = 3;

/** Runs `start` with NODE_OPTIONS set, so that the process it spawns gets those V8 options. */
async function withNodeOptions<T>(options: string, start: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ''} ${options}`.trim();
  try {
    return await start();
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * The built exporter as users run it (with V8's old space capped at `heapMb`, or sized by V8
 * from the host's memory when null), scraping `shape` every 10 s for `minutes`, with /metrics
 * read after every scrape as Prometheus would. One session in a hundred is replaced before each
 * scrape (new id, same labels), so identities, started-session counters and snapshots turn over
 * as they do in production. RSS is read from /proc once a second.
 */
export async function soakMemory(bench: BenchDatabase, shape: ClusterShape, minutes: number, heapMb: number | null): Promise<SoakResult> {
  await fillCluster(bench.admin, shape);
  const exporter = await withNodeOptions(heapMb === null ? '' : `--max-old-space-size=${heapMb}`, () =>
    startExporterProcess({
      scrape_interval: `${INTERVAL_S}s`,
      scrape_timeout: `${INTERVAL_S}s`,
      targets: [{ name: 'ob', url: bench.db.url, flavor: 'oceanbase' }],
    }),
  );
  const pid = exporter.child.pid;
  if (pid === undefined) throw new Error('exporter process has no pid');
  try {
    const samples: Array<{ at: number; rss: number }> = [];
    const metricsMs: number[] = [];
    let lastScrapeAt = 0;
    let scrapes = 0;
    let warmedAt = Number.POSITIVE_INFINITY;
    const end = Date.now() + minutes * 60_000;
    let churn = 0;
    while (Date.now() < end) {
      samples.push({ at: Date.now(), rss: rssOf(pid) });
      const started = performance.now();
      const body = await (await fetch(`${exporter.url}/metrics`)).text();
      const scrapedAt = Number(/^dbsession_last_scrape_timestamp_seconds\{target="ob"\} (\S+)$/m.exec(body)?.[1] ?? 0);
      if (scrapedAt > lastScrapeAt) {
        metricsMs.push(performance.now() - started);
        lastScrapeAt = scrapedAt;
        scrapes++;
        if (scrapes === WARM_UP_SCRAPES) warmedAt = Date.now();
        await bench.admin.query('UPDATE oceanbase.`GV$OB_PROCESSLIST` SET ID = ID + 1000000000 WHERE ID MOD 100 = ?', [churn++ % 100]);
      }
      await sleep(1000);
    }
    const warm = samples.filter((s) => s.at >= warmedAt);
    if (warm.length < 3) throw new Error(`only ${scrapes} scrapes in ${minutes} min: too short a soak to judge memory`);
    const third = Math.floor(warm.length / 3);
    const peak = (list: typeof samples) => Math.max(...list.map((s) => s.rss));
    const timeline = samples.filter((_, i) => i % 60 === 59 || i === samples.length - 1).map((s) => s.rss);
    return {
      shape,
      minutes,
      scrapes,
      peakRss: peak(warm),
      growth: peak(warm.slice(-third)) - peak(warm.slice(0, third)),
      timeline,
      metricsMedianMs: median(metricsMs),
      metricsMaxMs: Math.max(...metricsMs),
    };
  } finally {
    await exporter.stop();
  }
}
