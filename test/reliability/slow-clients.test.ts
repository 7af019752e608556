import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_LIMITS } from '../../src/http/limits.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { rawExchange } from '../support/raw-http.js';

/** Node checks its request timers once per interval; on top of that, room for a busy machine. */
const SLACK_MS = HTTP_LIMITS.timeoutCheckIntervalMs + 2_000;

/** Clients that are slow on purpose: each holds a socket only as long as the limits allow. */
describe.concurrent('slow clients against the exporter process', () => {
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

  it('answers 408 to headers trickled a byte a second, then closes', { timeout: 60_000 }, async () => {
    const bytes = [...'GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Slow: ' + 'a'.repeat(100)];
    const exchange = await rawExchange(port, bytes, { gapMs: 1_000, waitMs: HTTP_LIMITS.headersTimeoutMs + 10_000 });
    expect(exchange.status).toBe(408);
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeLessThan(HTTP_LIMITS.headersTimeoutMs + SLACK_MS);
  });

  it('closes a connection whose body never completes', { timeout: 60_000 }, async () => {
    const head = 'POST /-/reload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const exchange = await rawExchange(port, [head, ...'{"slow": "body"'], { gapMs: 1_000, waitMs: HTTP_LIMITS.requestTimeoutMs + 10_000 });
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeLessThan(HTTP_LIMITS.requestTimeoutMs + SLACK_MS);
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', { timeout: 60_000 }, async () => {
    const exchange = await rawExchange(port, ['GET /-/healthy HTTP/1.1\r\nHost: localhost\r\n\r\n'], {
      waitMs: HTTP_LIMITS.keepAliveTimeoutMs + 10_000,
    });
    expect(exchange.status).toBe(200);
    expect(exchange.closed).toBe(true);
    expect(exchange.elapsedMs).toBeGreaterThanOrEqual(HTTP_LIMITS.keepAliveTimeoutMs - 1_000);
    expect(exchange.elapsedMs).toBeLessThan(HTTP_LIMITS.keepAliveTimeoutMs + SLACK_MS);
  });

  it('keeps serving everyone else meanwhile', async () => {
    expect((await fetch(`${exporter.url}/metrics`)).status).toBe(200);
  });
});
