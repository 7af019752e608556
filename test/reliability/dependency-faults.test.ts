import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../appgate/dashboard-client.js';
import { expectDbssError, postStatistics, summary, type DbssAnswer } from '../dbss/dbss-client.js';
import { startPrometheus, type PrometheusServer } from '../e2e/prometheus.js';
import { startCollectorProcess, type CollectorProcess } from '../otel/collector-process.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { freePort, startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf, type Sample } from '../support/prometheus-text.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const failures = (s: readonly Sample[]) => valueOf(s, 'dbsession_otlp_export_failures_total') ?? 0;
const lastScrape = (s: readonly Sample[]) => valueOf(s, 'dbsession_last_scrape_timestamp_seconds', { target: 'db' }) ?? 0;

/** While a dependency is down the exporter keeps scraping and /metrics answers at once. */
async function expectScrapingGoesOn(exporter: ExporterProcess): Promise<void> {
  const before = lastScrape(await exporter.samples());
  await exporter.waitFor((s) => expect(lastScrape(s)).toBeGreaterThan(before), 5_000);
  const started = performance.now();
  expect((await fetch(`${exporter.url}/metrics`)).status).toBe(200);
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(exporter.child.exitCode).toBeNull();
}

/** Dependencies other than the database failing as processes do: killed, then started again. */
describe('the OTLP collector process is killed and started again', () => {
  let db: TestDatabase;
  let collector: CollectorProcess;
  let exporter: ExporterProcess;

  beforeAll(async () => {
    db = await startTestDatabase();
    collector = await startCollectorProcess();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'db', url: db.url }],
      otlp: { endpoint: collector.url, interval: '1s', timeout: '1s' },
    });
  });

  afterAll(async () => {
    await exporter?.stop();
    await collector?.kill();
    await db?.destroy();
  });

  it('pushes to it while it runs', async () => {
    await eventually(async () => expect(collector.accepted().filter((r) => r.points > 0).length).toBeGreaterThanOrEqual(2));
    expect(failures(await exporter.samples())).toBe(0);
  });

  it('counts refused pushes while it is gone, and keeps scraping and serving', async () => {
    const acceptedBefore = collector.accepted().length;
    await collector.kill();
    await exporter.waitFor((s) => expect(failures(s)).toBeGreaterThanOrEqual(2));
    expect(exporter.logs()).toMatch(/ECONNREFUSED.*OTLP export failed|OTLP export failed.*ECONNREFUSED/);
    await expectScrapingGoesOn(exporter);
    expect(collector.accepted().length).toBe(acceptedBefore);
  });

  it('pushes again once it is back, and stops counting failures', async () => {
    const restartedAt = Date.now();
    await collector.start();
    await eventually(async () => expect(collector.accepted().filter((r) => r.at >= restartedAt && r.points > 0).length).toBeGreaterThanOrEqual(2));
    await exporter.waitFor(() => expect(exporter.logs()).toMatch(/OTLP export succeeded again/));
    const counted = failures(await exporter.samples());
    // Several more intervals: every push lands.
    await sleep(3_000);
    expect(failures(await exporter.samples())).toBe(counted);
  });
});

describe('the Prometheus history backend dies and comes back', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  let prometheus: PrometheusServer;
  const clients: Connection[] = [];
  const ask = (): Promise<DbssAnswer> => postStatistics(exporter.url, { project: 'db', instance: 'db', body: { time: { time_range: 'HOUR' } } });
  /** The answer of a 200, as compact lines. */
  let answered: string[] = [];

  beforeAll(async () => {
    db = await startTestDatabase();
    // The exporter must name the store before the store can name the exporter to scrape.
    const port = await freePort();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'db', url: db.url }],
      history: { prometheus_url: `http://127.0.0.1:${port}`, retention: '31d' },
    });
    prometheus = await startPrometheus({ port, scrapeTarget: new URL(exporter.url).host, jobName: 'db-session-exporter', rules: 'groups: []\n', alertmanager: '127.0.0.1:9' });
    // Opened after the exporter's first scrape: sessions Prometheus sees start.
    for (const database of ['mysql', 'information_schema']) clients.push(await db.connect({ database }));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await exporter?.stop();
    await prometheus?.stop();
    await db?.destroy();
  });

  it('answers from it while it runs', async () => {
    answered = await eventually(async () => {
      const answer = await ask();
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const lines = summary(answer.body as Parameters<typeof summary>[0]);
      expect(lines.length).toBeGreaterThan(0);
      return lines;
    }, 30_000);
  });

  it('answers 503 in DBSS format while it is gone, and keeps scraping and serving', async () => {
    await prometheus.kill();
    expectDbssError(await ask(), 503, 'DBSS.11000503', /session history cannot be read: cannot reach http:\/\/127\.0\.0\.1:\d+/);
    await expectScrapingGoesOn(exporter);
    expectDbssError(await ask(), 503, 'DBSS.11000503', /session history cannot be read/);
  });

  it('answers 200 again once it is back, from the history it kept', async () => {
    await prometheus.restart();
    const again = await eventually(async () => {
      const answer = await ask();
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return summary(answer.body as Parameters<typeof summary>[0]);
    }, 30_000);
    // The same sessions, none lost with the crash: Prometheus replayed its write-ahead log.
    expect(again).toEqual(answered);
  });
});
