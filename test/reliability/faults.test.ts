import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf, type Sample } from '../support/prometheus-text.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { EXPORTER_PASSWORD, EXPORTER_USER, makeProcesslistSlow, setDelay, waitForSleepingScrape } from './slow-oceanbase.js';

const INTERVAL_MS = 2_000;
const TIMEOUT_MS = 1_000;
/** Room for a loaded 2-core machine on top of the deadlines the exporter promises. */
const SLACK_MS = 1_500;
const DOWN_WITHIN_MS = INTERVAL_MS + TIMEOUT_MS + SLACK_MS;
const BACK_WITHIN_MS = INTERVAL_MS + TIMEOUT_MS + SLACK_MS;
/** How slow the database gets: well past the deadline, so a statement left running would show. */
const SLOW_S = 3;
/** The server ends a statement at its limit to within its timer's precision and our 50 ms polling. */
const STATEMENT_END_SLACK_MS = 700;
/** The exporter's pool size per target. */
const POOL = 2;

/**
 * Counts the exporter's connections as the server sees them (processlist rows of its user),
 * every 50 ms in the background, and keeps the highest count seen and the longest-running
 * statement seen (an abandoned scrape's statement must not outlive the scrape's deadline there).
 */
class ServerSideConnections {
  private peak = 0;
  private longestMs = 0;
  private admin: Connection | null = null;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly db: TestDatabase) {
    this.loop = this.poll();
  }

  takePeak(): number {
    const seen = this.peak;
    this.peak = 0;
    return seen;
  }

  takeLongestStatementMs(): number {
    const seen = this.longestMs;
    this.longestMs = 0;
    return seen;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.admin?.end().catch(() => {});
  }

  private async poll(): Promise<void> {
    while (this.running) {
      try {
        this.admin ??= await this.db.connect();
        const [rows] = await this.admin.query<({ n: number; longest: number | null } & RowDataPacket)[]>(
          "SELECT COUNT(*) AS n, MAX(IF(COMMAND = 'Query', TIME_MS, 0)) AS longest FROM information_schema.PROCESSLIST WHERE USER = ?",
          [EXPORTER_USER],
        );
        this.peak = Math.max(this.peak, Number(rows[0]?.n ?? 0));
        this.longestMs = Math.max(this.longestMs, Number(rows[0]?.longest ?? 0));
      } catch {
        // the server is down on purpose: reconnect once it is back
        this.admin?.destroy();
        this.admin = null;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** /metrics while the database misbehaves: it must answer, and quickly, every time. */
async function fetchMetricsQuickly(exporter: ExporterProcess): Promise<void> {
  const started = performance.now();
  const response = await fetch(`${exporter.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  await response.text();
  expect(response.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(1_000);
}

describe('the database fails under the exporter', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let exporter: ExporterProcess;
  let serverSide: ServerSideConnections;
  let probing = true;
  let probes: Promise<void>;
  const probeFailures: string[] = [];

  const up = (s: Sample[]) => valueOf(s, 'dbsession_up', { target: 'ob' });
  const waitUp = (value: 0 | 1, withinMs: number) =>
    exporter.waitFor((s) => {
      expect(up(s)).toBe(value);
      return s;
    }, withinMs);

  beforeAll(async () => {
    db = await startTestDatabase();
    if (!db.private) throw new Error('this test kills and restarts its server: run it without TEST_MYSQL_URL');
    const admin = await db.connect();
    await makeProcesslistSlow(admin);
    await admin.end();
    proxy = await startTcpProxy(db.host, db.port);
    exporter = await startExporterProcess({
      scrape_interval: `${INTERVAL_MS}ms`,
      scrape_timeout: `${TIMEOUT_MS}ms`,
      targets: [{ name: 'ob', url: `mysql://${EXPORTER_USER}@127.0.0.1:${proxy.port}`, password: EXPORTER_PASSWORD, flavor: 'oceanbase' }],
    });
    serverSide = new ServerSideConnections(db);
    // /metrics is fetched every 250 ms through every fault: each must answer within a second.
    probes = (async () => {
      while (probing) {
        await fetchMetricsQuickly(exporter).catch((error: unknown) => probeFailures.push(String(error)));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  });

  afterAll(async () => {
    probing = false;
    await probes;
    await serverSide?.stop();
    await exporter?.stop();
    await proxy?.close();
    await db?.destroy();
  });

  const expectWithinPool = () => {
    expect(serverSide.takePeak()).toBeLessThanOrEqual(POOL);
    expect(proxy.takePeak()).toBeLessThanOrEqual(POOL);
    expect(exporter.child.exitCode).toBeNull();
    expect(probeFailures).toEqual([]);
  };

  it('starts up', async () => {
    await waitUp(1, DOWN_WITHIN_MS);
    expectWithinPool();
  });

  it('marks a slow database down within an interval, keeps serving, and recovers', async () => {
    const before = valueOf(await exporter.samples(), 'dbsession_scrape_timeouts_total', { target: 'ob' }) ?? 0;
    serverSide.takeLongestStatementMs();
    await setDelay(db, SLOW_S);
    const down = await waitUp(0, DOWN_WITHIN_MS);
    expect(valueOf(down, 'dbsession_scrape_timeouts_total', { target: 'ob' })).toBeGreaterThan(before);
    // Several abandoned scrapes in a row: each must free its connection on the server too.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    expect(up(await exporter.samples())).toBe(0);
    // The server ends each abandoned statement at the session's limit (scrape_timeout), long
    // before the view would have answered: it leaves the processlist instead of running on.
    expect(serverSide.takeLongestStatementMs()).toBeLessThan(TIMEOUT_MS + STATEMENT_END_SLACK_MS);
    await setDelay(db, 0);
    await waitUp(1, BACK_WITHIN_MS);
    expectWithinPool();
  });

  it('survives the server being killed mid-scrape and recovers once it is back', async () => {
    await setDelay(db, 0.3);
    await waitUp(1, BACK_WITHIN_MS);
    // Kill exactly while the exporter's query sleeps on the server.
    await waitForSleepingScrape(db);
    await db.stop();
    await waitUp(0, DOWN_WITHIN_MS);
    // Down for a few intervals: every scrape fails fast on a refused connection.
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
    await db.start();
    await waitUp(1, BACK_WITHIN_MS);
    await setDelay(db, 0);
    expectWithinPool();
  });

  it('marks an unreachable database down while connections hang, and recovers when it answers again', async () => {
    await waitUp(1, BACK_WITHIN_MS);
    proxy.hang();
    await waitUp(0, DOWN_WITHIN_MS);
    // Hanging for several intervals: connects and queries time out again and again.
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
    expect(proxy.open()).toBeLessThanOrEqual(POOL);
    proxy.resume();
    await waitUp(1, BACK_WITHIN_MS);
    expectWithinPool();
  });

  it('recovers when the network hangs in the middle of a slow scrape', async () => {
    await setDelay(db, 0.3);
    await waitUp(1, BACK_WITHIN_MS);
    for (let round = 0; round < 3; round++) {
      // Hang while a query runs and while connections are being set up, not only between scrapes.
      await new Promise((r) => setTimeout(r, 300 + round * 450));
      proxy.hang();
      await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
      proxy.resume();
    }
    await setDelay(db, 0);
    await waitUp(1, BACK_WITHIN_MS);
    expectWithinPool();
  });
});
