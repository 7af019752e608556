import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf, type Sample } from '../support/prometheus-text.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const INTERVAL_MS = 2_000;
/** As long as the interval: each scrape of the hanging target takes all of it. */
const TIMEOUT_MS = INTERVAL_MS;
/** Room for a loaded 2-core machine; far less than the TIMEOUT_MS a shared scrape loop would add. */
const CADENCE_SLACK_MS = 900;

/**
 * Two targets, one of them behind a proxy that accepts connections and never answers: the
 * healthy one must not notice, and readiness waits for the hanging one's first attempt.
 */
describe('a hanging target next to a healthy one', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let exporter: ExporterProcess;
  let readyAtStart: Response;

  const healthy = (s: Sample[], name: string) => valueOf(s, name, { target: 'healthy' });
  const stuck = (s: Sample[], name: string) => valueOf(s, name, { target: 'stuck' });

  beforeAll(async () => {
    db = await startTestDatabase();
    proxy = await startTcpProxy(db.host, db.port);
    proxy.hang();
    exporter = await startExporterProcess(
      {
        scrape_interval: `${INTERVAL_MS}ms`,
        scrape_timeout: `${TIMEOUT_MS}ms`,
        targets: [
          { name: 'healthy', url: db.url },
          { name: 'stuck', url: `mysql://root@127.0.0.1:${proxy.port}`, flavor: 'mysql' },
        ],
      },
      [],
      { waitUntil: 'listening' },
    );
    readyAtStart = await fetch(`${exporter.url}/-/ready`);
  });

  afterAll(async () => {
    await exporter?.stop();
    await proxy?.close();
    await db?.destroy();
  });

  it('answers /-/ready 503 until every target has been attempted, then 200 with the hanging one down', async () => {
    expect(readyAtStart.status).toBe(503);
    expect(await readyAtStart.text()).toMatch(/not every target/);
    const deadline = Date.now() + TIMEOUT_MS + 3_000;
    while ((await fetch(`${exporter.url}/-/ready`)).status !== 200) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = await exporter.samples();
    expect(stuck(s, 'dbsession_up')).toBe(0);
    expect(stuck(s, 'dbsession_scrape_errors_total')).toBeGreaterThanOrEqual(1);
  });

  it('keeps the healthy target on its own cadence, fresh and quick, while every scrape of the other hangs', async () => {
    const finishedAt: number[] = [];
    const until = Date.now() + 4 * INTERVAL_MS;
    while (Date.now() < until) {
      const s = await exporter.samples();
      expect(healthy(s, 'dbsession_up')).toBe(1);
      expect(healthy(s, 'dbsession_scrape_duration_seconds')).toBeLessThan(1);
      expect(healthy(s, 'dbsession_data_age_seconds')).toBeLessThan((INTERVAL_MS + CADENCE_SLACK_MS) / 1000);
      // The hanging target: down, each attempt as long as the timeout, and no data to age.
      expect(stuck(s, 'dbsession_up')).toBe(0);
      expect(stuck(s, 'dbsession_scrape_duration_seconds')).toBeGreaterThanOrEqual((TIMEOUT_MS * 0.9) / 1000);
      expect(stuck(s, 'dbsession_data_age_seconds')).toBeUndefined();
      const last = healthy(s, 'dbsession_last_scrape_timestamp_seconds')!;
      if (finishedAt.at(-1) !== last) finishedAt.push(last);
      await new Promise((r) => setTimeout(r, 200));
    }
    const gapsMs = finishedAt.slice(1).map((t, i) => (t - finishedAt[i]!) * 1000);
    expect(gapsMs.length).toBeGreaterThanOrEqual(3);
    for (const gap of gapsMs) expect(gap).toBeLessThan(INTERVAL_MS + CADENCE_SLACK_MS);
  });
});
