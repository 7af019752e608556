import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf } from '../support/prometheus-text.js';
import { rawExchange } from '../support/raw-http.js';
import { EXPORTER_PASSWORD, EXPORTER_USER, makeProcesslistSlow, setDelay, waitForSleepingScrape } from './slow-oceanbase.js';

/** cli.ts exits regardless after this long; a clean shutdown must come well before it. */
const FORCED_EXIT_MS = 10_000;

describe('SIGTERM', () => {
  let db: TestDatabase;
  const exporters: ExporterProcess[] = [];

  const target = (interval: string) => ({
    scrape_interval: interval,
    scrape_timeout: '4s',
    // The obshell detail API then reads the SQL text through the (slow) view: a request that takes seconds.
    api: { expose_sql_text: true },
    targets: [{ name: 'ob', url: `mysql://${EXPORTER_USER}@${db.host}:${db.port}`, password: EXPORTER_PASSWORD, flavor: 'oceanbase' }],
  });
  const start = async (interval: string) => {
    const exporter = await startExporterProcess(target(interval));
    exporters.push(exporter);
    await exporter.waitFor((s) => expect(valueOf(s, 'dbsession_up', { target: 'ob' })).toBe(1));
    return exporter;
  };
  const timedStop = async (exporter: ExporterProcess) => {
    const started = performance.now();
    const code = await exporter.stop('SIGTERM');
    return { code, ms: performance.now() - started };
  };

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await makeProcesslistSlow(admin);
    await admin.end();
  });

  afterAll(async () => {
    await Promise.all(exporters.map((e) => e.stop('SIGKILL')));
    await db?.destroy();
  });

  it('finishes a slow request in flight, refuses new connections, and exits 0', async () => {
    await setDelay(db, 0);
    const exporter = await start('30s');
    await setDelay(db, 2);
    const detail = fetch(`${exporter.url}/api/v1/tenant/t1/sessions/3221588509`);
    await waitForSleepingScrape(db);
    const stopping = timedStop(exporter);
    await new Promise((r) => setTimeout(r, 300));
    await expect(fetch(`${exporter.url}/-/healthy`)).rejects.toThrow();
    const answer = await detail;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    expect(((await answer.json()) as { data: { id: number } }).data.id).toBe(3221588509);
    const { code, ms } = await stopping;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(FORCED_EXIT_MS);
    expect(exporter.logs()).toContain('shutting down');
    expect(exporter.logs()).not.toContain('exiting anyway');
  });

  it('does not wait for idle keep-alive connections, nor for a scrape in flight', async () => {
    await setDelay(db, 0);
    const exporter = await start('5s');
    const port = Number(new URL(exporter.url).port);
    // Idle keep-alive connections, each after one answered request.
    const idle = Array.from({ length: 20 }, () => rawExchange(port, ['GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n'], { waitMs: 30_000 }));
    await new Promise((r) => setTimeout(r, 300));
    await setDelay(db, 30);
    await waitForSleepingScrape(db);
    const { code, ms } = await timedStop(exporter);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(FORCED_EXIT_MS);
    for (const exchange of await Promise.all(idle)) {
      expect(exchange.status).toBe(200);
      expect(exchange.closed).toBe(true);
    }
    expect(exporter.logs()).not.toContain('exiting anyway');
  });
});
