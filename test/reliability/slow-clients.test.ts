import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_LIMITS } from '../../src/http/limits.js';
import { expectAppgateError } from '../appgate/dashboard-client.js';
import { expectDbssError } from '../dbss/dbss-client.js';
import { expectErrorEnvelope } from '../obshell/obshell-http.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { firstAnswer, rawExchange, type RawAnswer } from '../support/raw-http.js';

/** Node checks its request timers once per interval; on top of that, room for a busy machine. */
const SLACK_MS = HTTP_LIMITS.timeoutCheckIntervalMs + 2_000;
/** Past each limit by a kilobyte: 17 KB of headers, a 9 KB URL, a 65 KB body. */
const PAST = 1_024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A path of each JSON API family, and how an error in that family's format looks. */
const FAMILIES = [
  { name: 'obshell', path: '/api/v1/tenant/t1/sessions', expectError: (a: RawAnswer, status: number) => expectErrorEnvelope(status, a.body, 'Common.IllegalArgument') },
  { name: 'Appgate', path: '/stats/active-sessions/dashboard', expectError: (a: RawAnswer, status: number) => expectAppgateError(a, status, APPGATE_IDS[status]!) },
  { name: 'DBSS', path: '/v1/nowhere/audit/t1/statistics/session/db-client', expectError: (a: RawAnswer, status: number) => expectDbssError(a, status, 'DBSS.10000001', /./) },
  { name: 'DBSS under /targets', path: '/targets/nowhere/v1/nowhere/audit/t1/statistics/session/db-client', expectError: (a: RawAnswer, status: number) => expectDbssError(a, status, 'DBSS.10000001', /./) },
] as const;
const APPGATE_IDS: Readonly<Record<number, string>> = { 408: 'request_timeout', 413: 'payload_too_large', 414: 'uri_too_long' };
const DBSS = FAMILIES[2].path;

const head = (method: string, path: string, extra = '') => `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}`;
const postHead = (path: string, length: number) => head('POST', path, `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);

/** Clients that are slow or oversized on purpose: each holds a socket only as long as the limits allow. */
describe.concurrent('slow clients and oversized requests against the exporter process', () => {
  let exporter: ExporterProcess;
  let port: number;

  beforeAll(async () => {
    // A target nobody listens on is attempted (so ready) at once: these tests are about HTTP.
    exporter = await startExporterProcess({ scrape_interval: '5s', targets: [{ name: 'nowhere', url: 'mysql://exporter@127.0.0.1:1' }] });
    port = Number(new URL(exporter.url).port);
  });

  afterAll(async () => {
    await exporter?.stop();
  });

  it('answers 408 to headers trickled a byte a second, then closes: bare, as no route is known yet', { timeout: 60_000 }, async () => {
    const exchange = await rawExchange(port, [...`${head('GET', DBSS)}X-Slow: ${'a'.repeat(100)}`], { gapMs: 1_000, waitMs: HTTP_LIMITS.headersTimeoutMs + 10_000 });
    expect(exchange.text).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeLessThan(HTTP_LIMITS.headersTimeoutMs + SLACK_MS);
  });

  it('answers 408 in DBSS format to a body trickled past the request time limit, then closes', { timeout: 60_000 }, async () => {
    const exchange = await rawExchange(port, [postHead(DBSS, 1_000), ...'{"time": {"time_range": "HOUR"}, "db_id": ["a", "b"]}'], {
      gapMs: 1_000,
      waitMs: HTTP_LIMITS.requestTimeoutMs + 10_000,
    });
    const answer = firstAnswer(exchange);
    expectDbssError(answer, 408, 'DBSS.10000001', new RegExp(`did not arrive within ${HTTP_LIMITS.requestTimeoutMs / 1000} s`));
    expect(answer.headers.get('connection')).toBe('close');
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(HTTP_LIMITS.requestTimeoutMs - 1_000);
    expect(exchange.elapsedMs).toBeLessThan(HTTP_LIMITS.requestTimeoutMs + SLACK_MS);
  });

  it('lets a route that ignores the body answer, then ends the request with 408 when its time is up', { timeout: 60_000 }, async () => {
    const exchange = await rawExchange(port, [postHead('/-/reload', 1_000), ...'{"slow": "body", "and": "more"}'], {
      gapMs: 1_000,
      waitMs: HTTP_LIMITS.requestTimeoutMs + 10_000,
    });
    expect(exchange.status).toBe(200);
    expect(exchange.text).toMatch(/Config reloaded\.\nHTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n\r\n$/);
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeLessThan(HTTP_LIMITS.requestTimeoutMs + SLACK_MS);
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', { timeout: 60_000 }, async () => {
    const exchange = await rawExchange(port, [`${head('GET', '/-/healthy')}\r\n`], { waitMs: HTTP_LIMITS.keepAliveTimeoutMs + 10_000 });
    expect(exchange.status).toBe(200);
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(HTTP_LIMITS.keepAliveTimeoutMs - 1_000);
    expect(exchange.elapsedMs).toBeLessThan(HTTP_LIMITS.keepAliveTimeoutMs + SLACK_MS);
  });

  it('answers 431 to headers past the limit, bare and closing, on every path: node refuses them before any route', async () => {
    for (const path of [...FAMILIES.map((f) => f.path), '/metrics']) {
      const exchange = await rawExchange(port, [`${head('GET', path)}X-Big: ${'a'.repeat(HTTP_LIMITS.maxHeaderBytes + PAST)}\r\n\r\n`]);
      expect(exchange.text, path).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
      expect(exchange.closed, path).toBe(true);
    }
  });

  it.each(FAMILIES)('answers 414 to a URL past the limit in $name format', async ({ path, expectError }) => {
    const exchange = await rawExchange(port, [`${head('GET', `${path}?q=${'a'.repeat(HTTP_LIMITS.maxUrlBytes + PAST)}`)}Connection: close\r\n\r\n`]);
    const answer = firstAnswer(exchange);
    expectError(answer, 414);
    expect(JSON.stringify(answer.body)).toMatch(new RegExp(`URL is longer than ${HTTP_LIMITS.maxUrlBytes} bytes`));
  });

  it.each(FAMILIES)('answers 413 to a declared body past the limit in $name format, unread, and closes', async ({ path, expectError }) => {
    const exchange = await rawExchange(port, [postHead(path, HTTP_LIMITS.maxBodyBytes + PAST)]);
    const answer = firstAnswer(exchange);
    expectError(answer, 413);
    expect(JSON.stringify(answer.body)).toMatch(new RegExp(`body is larger than ${HTTP_LIMITS.maxBodyBytes} bytes`));
    expect(answer.headers.get('connection')).toBe('close');
    expect(exchange.closed).toBe(true);
  });

  it('answers 413 in DBSS format to a body past the limit sent without a length, the only family that reads bodies', async () => {
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;
    const exchange = await rawExchange(port, [
      head('POST', DBSS, 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'),
      chunk(`{"pad": "${'a'.repeat(HTTP_LIMITS.maxBodyBytes)}"}`),
      '0\r\n\r\n',
    ]);
    const answer = firstAnswer(exchange);
    expectDbssError(answer, 413, 'DBSS.10000001', new RegExp(`body is larger than ${HTTP_LIMITS.maxBodyBytes} bytes`));
  });

  it('answers 414 and 413 on plain paths in plain text', async () => {
    const long = firstAnswer(await rawExchange(port, [`${head('GET', `/metrics?q=${'a'.repeat(HTTP_LIMITS.maxUrlBytes + PAST)}`)}Connection: close\r\n\r\n`]));
    expect([long.status, long.body]).toEqual([414, 'URI Too Long\n']);
    const big = firstAnswer(await rawExchange(port, [postHead('/-/reload', HTTP_LIMITS.maxBodyBytes + PAST)]));
    expect([big.status, big.body]).toEqual([413, 'Payload Too Large\n']);
  });

  it('keeps serving everyone else, quickly, while a crowd of slow clients holds its sockets', { timeout: 60_000 }, async () => {
    const crowd = 200;
    let finished = 0;
    const slow = Array.from({ length: crowd }, (_, i) =>
      rawExchange(port, i % 2 === 0 ? [...`${head('GET', '/metrics')}X-Slow: ${'a'.repeat(60)}`] : [postHead(DBSS, 1_000), ...'x'.repeat(60)], {
        gapMs: 1_000,
        waitMs: HTTP_LIMITS.requestTimeoutMs + 10_000,
      }).finally(() => finished++),
    );
    await sleep(1_000);
    // Until just before the first slow clients reach the headers limit: all of them are connected meanwhile.
    const until = Date.now() + HTTP_LIMITS.headersTimeoutMs - 3_000;
    const slowest: number[] = [];
    for (let round = 0; Date.now() < until; round++) {
      for (const path of ['/metrics', '/api/v1/info', '/-/ready']) {
        const started = performance.now();
        const response = await fetch(`${exporter.url}${path}`, { signal: AbortSignal.timeout(5_000) });
        await response.text();
        expect([path, response.status]).toEqual([path, 200]);
        slowest.push(performance.now() - started);
      }
      await sleep(200);
    }
    expect(finished).toBe(0);
    expect(slowest.length).toBeGreaterThan(20);
    expect(Math.max(...slowest)).toBeLessThan(1_000);
    const exchanges = await Promise.all(slow);
    expect(exchanges.filter((e) => !e.closed)).toEqual([]);
  });
});
