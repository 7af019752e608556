import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf } from '../support/prometheus-text.js';

const DURATION_S = 60;
const CONNECTIONS = 300;
/** Client sessions on the database, so every /metrics renders real series. */
const SESSIONS = 40;

/**
 * Each connection waits this long between its requests: 300 connections then ask for ~1,500
 * requests a second, far beyond Prometheus and dashboards, yet below what one core serves. A
 * closed loop without a pause would measure only how unevenly any saturated node server (a bare
 * `http.createServer` included) shares its one thread among sockets: a few wait seconds.
 */
const THINK_MS = 200;

const TOKEN = 'load-test-token-3c9e51a7';

/** What the load cycles through: Prometheus, people, and each JSON API family as its clients call it. */
const REQUESTS: ReadonlyArray<{ method: string; path: string; headers: Record<string, string>; body?: string }> = [
  { method: 'GET', path: '/metrics', headers: {} },
  { method: 'GET', path: '/', headers: {} },
  { method: 'GET', path: '/api/v1/tenant/db/sessions?page=1&size=10&sort=time,desc', headers: {} },
  { method: 'GET', path: '/stats/active-sessions/dashboard?target=db', headers: { Authorization: `Bearer ${TOKEN}` } },
  {
    method: 'POST',
    path: '/v1/db/audit/db/statistics/session/db-client',
    headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ time: { time_range: 'HOUR' } }),
  },
];

const lua = (text: string) => JSON.stringify(text);
const luaTable = (headers: Record<string, string>) => `{ ${Object.entries(headers).map(([k, v]) => `[${lua(k)}] = ${lua(v)}`).join(', ')} }`;

/** REQUESTS as wrk builds them, once per thread. */
const WRK_REQUESTS = REQUESTS.map(
  (r) => `  table.insert(requests, wrk.format(${lua(r.method)}, ${lua(r.path)}, ${luaTable(r.headers)}, ${r.body === undefined ? 'nil' : lua(r.body)}))`,
).join('\n');

/** wrk cycles through REQUESTS, and reports its counters as one line. */
const WRK_SCRIPT = `
local requests = {}
local n = 0
init = function(args)
${WRK_REQUESTS}
end
request = function()
  n = n + 1
  return requests[(n % #requests) + 1]
end
delay = function() return ${THINK_MS} end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, summary.errors.status,
    latency:percentile(99), latency.max))
end
`;

interface WrkResult {
  readonly requests: number;
  readonly connectErrors: number;
  readonly readErrors: number;
  readonly writeErrors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function requireWrk(): string {
  const found = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('wrk is not installed: the load test needs it (apt-get install wrk)');
  return found;
}

function runWrk(wrk: string, url: string): Promise<WrkResult> {
  const script = join(mkdtempSync(join(tmpdir(), 'dbsession-wrk-')), 'paths.lua');
  writeFileSync(script, WRK_SCRIPT);
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, ['-t1', `-c${CONNECTIONS}`, `-d${DURATION_S}s`, '--timeout', '5s', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      const match = /^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/m.exec(output);
      if (!match) return reject(new Error(`wrk said:\n${output}`));
      const [requests, connectErrors, readErrors, writeErrors, timeouts, non2xx, p99Us, maxUs] = match.slice(1).map(Number) as number[];
      resolve({ requests: requests!, connectErrors: connectErrors!, readErrors: readErrors!, writeErrors: writeErrors!, timeouts: timeouts!, non2xx: non2xx!, p99Ms: p99Us! / 1000, maxMs: maxUs! / 1000 });
    });
  });
}

/** Resident memory (KiB) and open file descriptors of a process, from /proc. */
function usage(pid: number): { rssKiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]), fds: readdirSync(`/proc/${pid}/fd`).length };
}

const HEAP_PROBE = join(REPO_ROOT, 'test/support/heap-probe.mjs');

/** Bytes the exporter holds live (V8 heap and external memory) after a full collection. */
async function liveBytes(exporter: ExporterProcess): Promise<number> {
  const answers = () => [...exporter.logs().matchAll(/^HEAP-PROBE (\d+)$/gm)].map((m) => Number(m[1]));
  const before = answers().length;
  exporter.child.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = answers();
    if (now.length > before) return now.at(-1)!;
    if (Date.now() > deadline) throw new Error(`the heap probe did not answer:\n${exporter.logs().slice(-2000)}`);
    await sleep(50);
  }
}

const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

const max = (values: readonly number[]) => Math.max(...values);

describe('load: hundreds of connections for a minute while scrapes run', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  const clients: Connection[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-load-'));

  beforeAll(async () => {
    db = await startTestDatabase();
    for (let i = 0; i < SESSIONS; i++) clients.push(await db.connect({ database: i % 2 ? 'mysql' : 'information_schema' }));
    writeFileSync(join(dir, 'tokens'), `${TOKEN}\n`);
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'db', url: db.url }],
      // History on, so that DBSS answers 200; tokens on the two families that take them.
      history: { path: join(dir, 'history') },
      auth: { dashboard: { tokens_file: join(dir, 'tokens') }, dbss: { tokens_file: join(dir, 'tokens') } },
    }, [], { nodeArgs: ['--expose-gc', '--import', HEAP_PROBE] });
    await exporter.waitFor((s) => expect(valueOf(s, 'dbsession_up', { target: 'db' })).toBe(1));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await exporter?.stop();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each request of the mix with a 2xx and a body before the load starts', async () => {
    for (const { method, path, headers, body } of REQUESTS) {
      const response = await fetch(`${exporter.url}${path}`, { method, headers, body });
      const text = await response.text();
      expect([path, response.status], text.slice(0, 300)).toEqual([path, 200]);
      expect(text.length, path).toBeGreaterThan(2);
    }
  });

  it('answers every request, keeps scraping, and holds memory and handles flat', { timeout: (DURATION_S + 60) * 1000 }, async () => {
    const wrk = requireWrk();
    const pid = exporter.child.pid!;
    const before = usage(pid);
    const scrapesBefore = await exporter.samples();
    const samples: { rssKiB: number; fds: number }[] = [];
    const sampler = setInterval(() => samples.push(usage(pid)), 1_000);
    // Live memory measured twice under the same load: once warmed up, once near the end.
    const warm = sleep((DURATION_S / 3) * 1000).then(() => liveBytes(exporter));
    const late = sleep((DURATION_S - 5) * 1000).then(() => liveBytes(exporter));
    const result = await runWrk(wrk, exporter.url);
    clearInterval(sampler);
    const [warmBytes, lateBytes] = await Promise.all([warm, late]);
    // The exporter closes its side once wrk has gone.
    await sleep(2_000);
    const after = usage(pid);
    const scrapesAfter = await exporter.samples();

    console.log(
      `load: ${result.requests} requests in ${DURATION_S}s over ${CONNECTIONS} connections, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; ` +
        `RSS ${before.rssKiB} -> peak ${max(samples.map((s) => s.rssKiB))} -> ${after.rssKiB} KiB; fds ${before.fds} -> peak ${max(samples.map((s) => s.fds))} -> ${after.fds}; ` +
        `live after GC ${MiB(warmBytes)} MiB at ${DURATION_S / 3} s -> ${MiB(lateBytes)} MiB at ${DURATION_S - 5} s; ` +
        `RSS MiB each second: ${samples.map((s) => Math.round(s.rssKiB / 1024)).join(' ')}`,
    );
    // Each connection kept asking: no connection was starved or dropped.
    expect(result.requests).toBeGreaterThan(CONNECTIONS * ((DURATION_S * 1000) / THINK_MS) * 0.5);
    expect(result).toMatchObject({ connectErrors: 0, readErrors: 0, writeErrors: 0, timeouts: 0, non2xx: 0 });
    expect(exporter.child.exitCode).toBeNull();

    // Scrapes went on at their interval, none failed.
    const at = (s: typeof scrapesBefore, name: string) => valueOf(s, name, { target: 'db' }) ?? Number.NaN;
    expect(at(scrapesAfter, 'dbsession_last_scrape_timestamp_seconds') - at(scrapesBefore, 'dbsession_last_scrape_timestamp_seconds')).toBeGreaterThan(DURATION_S - 5);
    expect(at(scrapesAfter, 'dbsession_scrape_errors_total')).toBe(at(scrapesBefore, 'dbsession_scrape_errors_total'));
    expect(at(scrapesAfter, 'dbsession_up')).toBe(1);

    // Flat: what the exporter holds live after a full collection did not grow between the two
    // probes, 35 s and ~50,000 requests apart. They have measured 32 and 34 MiB; a leak of half a
    // KiB per request, injected to try this test, took them from 47 to 75 MiB. RSS is no judge of
    // that, as V8 grows its heap in steps when it likes and Node 24 keeps freed pages (150 to 231
    // MiB in steps of ~25 MiB, with live bytes flat at 36 MiB), but 40 sessions under load must
    // stay within what a 300k-session scrape is allowed (400 MB, issue 8).
    expect(lateBytes).toBeLessThan(warmBytes * 1.25);
    expect(max(samples.map((s) => s.rssKiB)) * 1024).toBeLessThan(400e6);
    expect(after.fds).toBeLessThanOrEqual(before.fds + 5);
  });
});
