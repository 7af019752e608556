import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf, type Sample } from '../support/prometheus-text.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { EXPORTER_PASSWORD, EXPORTER_USER, makeProcesslistSlow, setDelay, waitForSleepingScrape } from './slow-oceanbase.js';

const INTERVAL_MS = 2_000;
/** Below the interval, so that one scrape ends before the next is due. */
const TIMEOUT_MS = 1_000;
/**
 * How late the exporter's timers and event loop may log a deadline on a busy 2-core machine.
 * The bounds below are measured from the exporter's own log (same clock as the test), so they
 * need no room for polling.
 */
const LATENCY_MS = 750;
/**
 * "Down within one interval": a fault is seen by the next scrape, which starts within an
 * interval; against a database that hangs or is slow, that scrape gives up at scrape_timeout.
 */
const DOWN_BY_MS = INTERVAL_MS + TIMEOUT_MS + LATENCY_MS;
/**
 * A scrape in flight when the server dies fails at once: mysql2 tells the connection, not the
 * streamed query, that it was lost, and the read listens there (src/sources/row-stream.ts).
 */
const DOWN_WHEN_KILLED_BY_MS = LATENCY_MS;
/** "Back within one interval": the next scrape, within an interval, reads the database again. */
const BACK_BY_MS = (queryMs: number) => INTERVAL_MS + queryMs + LATENCY_MS;
/** How long the tests wait for a state before failing: well past every bound, which they then check. */
const WAIT_MS = 3 * INTERVAL_MS + TIMEOUT_MS;
/** The slow view's delay while the database is up in the kill and network tests. */
const QUERY_S = 0.3;
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

interface LogLine {
  /** Epoch milliseconds, by the exporter's clock (the test's too: same machine). */
  readonly at: number;
  readonly err?: string;
}

/** The first line the exporter logged with `message` for target ob at or after `since`. */
function loggedAfter(exporter: ExporterProcess, message: string, since: number): LogLine | undefined {
  for (const line of exporter.logs().split('\n')) {
    if (!line.includes(`"msg":"${message}"`) || !line.includes('"target":"ob"')) continue;
    const fields = JSON.parse(line) as { time: string; err?: string };
    const at = Date.parse(fields.time);
    if (at >= since) return { at, ...(fields.err !== undefined && { err: fields.err }) };
  }
  return undefined;
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
  const waitUp = (value: 0 | 1, withinMs = WAIT_MS) =>
    exporter.waitFor((s) => {
      expect(up(s)).toBe(value);
      return s;
    }, withinMs);
  /** Lags measured, for the report at the end. */
  const lags: string[] = [];

  /** Waits for the target to go down after a fault at `faultAt`, and checks by the log that it did by `boundMs`. */
  async function downBy(faultAt: number, boundMs: number, what: string): Promise<Sample[]> {
    const samples = await waitUp(0);
    const line = loggedAfter(exporter, 'scrape failed: target marked down', faultAt);
    expect(line, `no "marked down" logged after the fault (${what})`).toBeDefined();
    lags.push(`${what}: down after ${line!.at - faultAt} ms (bound ${boundMs}): ${line!.err}`);
    expect(line!.at - faultAt, what).toBeLessThanOrEqual(boundMs);
    return samples;
  }

  /** Waits for the target to come back after the database did at `backAt`, and checks by the log that it did by `boundMs`. */
  async function backBy(backAt: number, boundMs: number, what: string): Promise<void> {
    await waitUp(1);
    const line = loggedAfter(exporter, 'target is back up', backAt);
    expect(line, `no "back up" logged after the database came back (${what})`).toBeDefined();
    lags.push(`${what}: back after ${line!.at - backAt} ms (bound ${boundMs})`);
    expect(line!.at - backAt, what).toBeLessThanOrEqual(boundMs);
  }

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
    console.log(`faults, interval ${INTERVAL_MS} ms, scrape_timeout ${TIMEOUT_MS} ms:\n  ${lags.join('\n  ')}`);
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
    await waitUp(1);
    expectWithinPool();
  });

  it('marks a slow database down within an interval, keeps serving, and recovers within one', async () => {
    const before = valueOf(await exporter.samples(), 'dbsession_scrape_timeouts_total', { target: 'ob' }) ?? 0;
    serverSide.takeLongestStatementMs();
    await setDelay(db, SLOW_S);
    const down = await downBy(Date.now(), DOWN_BY_MS, 'slow');
    expect(valueOf(down, 'dbsession_scrape_timeouts_total', { target: 'ob' })).toBeGreaterThan(before);
    // Several abandoned scrapes in a row: each must free its connection on the server too.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    expect(up(await exporter.samples())).toBe(0);
    // The server ends each abandoned statement at the session's limit (scrape_timeout), long
    // before the view would have answered: it leaves the processlist instead of running on.
    expect(serverSide.takeLongestStatementMs()).toBeLessThan(TIMEOUT_MS + STATEMENT_END_SLACK_MS);
    await setDelay(db, 0);
    await backBy(Date.now(), BACK_BY_MS(0), 'slow');
    expectWithinPool();
  });

  it('survives the server being killed mid-scrape, down at once, and recovers within an interval of it being back', async () => {
    await setDelay(db, QUERY_S);
    await waitUp(1);
    // Kill exactly while the exporter's query sleeps on the server.
    await waitForSleepingScrape(db);
    const killedAt = Date.now();
    await db.stop();
    await downBy(killedAt, DOWN_WHEN_KILLED_BY_MS, 'killed mid-scrape');
    // Down for a few intervals: every scrape fails fast on a refused connection.
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
    await db.start();
    await backBy(Date.now(), BACK_BY_MS(QUERY_S * 1000), 'killed mid-scrape');
    await setDelay(db, 0);
    expectWithinPool();
  });

  it('marks an unreachable database down within an interval while connections hang, and recovers within one when it answers again', async () => {
    await waitUp(1);
    proxy.hang();
    await downBy(Date.now(), DOWN_BY_MS, 'network hangs');
    // Hanging for several intervals: connects and queries time out again and again.
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
    expect(proxy.open()).toBeLessThanOrEqual(POOL);
    proxy.resume();
    await backBy(Date.now(), BACK_BY_MS(0), 'network hangs');
    expectWithinPool();
  });

  it('recovers when the network hangs in the middle of a slow scrape', async () => {
    await setDelay(db, QUERY_S);
    await waitUp(1);
    for (let round = 0; round < 3; round++) {
      // Hang while a query runs and while connections are being set up, not only between scrapes.
      await new Promise((r) => setTimeout(r, 300 + round * 450));
      proxy.hang();
      await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
      proxy.resume();
    }
    // Each hang outlasts an interval and the timeout: the target is down when the last one ends.
    await backBy(Date.now(), BACK_BY_MS(QUERY_S * 1000), 'network hangs mid-scrape');
    await setDelay(db, 0);
    expectWithinPool();
  });
});
