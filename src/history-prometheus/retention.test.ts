import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { PrometheusError } from './client.js';
import { retentionOfRuntimeInfo, StoreRetention, UNREPORTED_RETENTION_MS } from './retention.js';

const DAY = 86_400_000;

describe('retentionOfRuntimeInfo', () => {
  it.each([
    ['15d', 15 * DAY],
    ['2w', 14 * DAY],
    ['1y', 365 * DAY],
    ['4h30m', 4.5 * 3_600_000],
    ['30d or 512MiB', 30 * DAY],
  ])('reads %j', (text, ms) => {
    expect(retentionOfRuntimeInfo(text)).toBe(ms);
  });

  it.each(['512MiB', '', '0s', 'forever'])('finds no time limit in %j', (text) => {
    expect(retentionOfRuntimeInfo(text)).toBeNull();
  });
});

/** A Prometheus-compatible store's status endpoint as some serve it: `answer` is [status, body]. */
async function storeAnswering(answer: [number, string]): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(answer[0], { 'content-type': 'application/json' }).end(answer[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('StoreRetention', () => {
  const log = createLogger('error', new PassThrough());
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['a store without the status endpoint (Mimir, VictoriaMetrics)', [404, 'not found'] as [number, string]],
    ['a retention by size only', [200, '{"status":"success","data":{"storageRetention":"512MiB"}}'] as [number, string]],
  ])('assumes 31 days for %s, and asks again after five minutes', async (_case, answer) => {
    const store = await storeAnswering(answer);
    servers.push(store.server);
    const retention = new StoreRetention({ url: store.url, headers: { authorization: 'Bearer t' } }, log);
    expect(await retention.get(0)).toEqual({ ms: UNREPORTED_RETENTION_MS, source: expect.stringMatching(/^the default retention .*set history\.retention/) });
    await retention.get(60_000);
    expect(store.requests).toEqual(['GET /api/v1/status/runtimeinfo']);
    await retention.get(5 * 60_000);
    expect(store.requests).toHaveLength(2);
  });

  it('reads what the store reports', async () => {
    const store = await storeAnswering([200, '{"status":"success","data":{"storageRetention":"90d or 10GiB","CWD":"/"}}']);
    servers.push(store.server);
    expect(await new StoreRetention({ url: store.url, headers: {} }, log).get()).toEqual({ ms: 90 * DAY, source: 'the retention the store reports' });
  });

  it('rejects with a PrometheusError, answered 503, when the store cannot be reached', async () => {
    const store = await storeAnswering([200, '{}']);
    await new Promise((resolve) => store.server.close(resolve));
    await expect(new StoreRetention({ url: store.url, headers: {} }, log).get()).rejects.toThrow(PrometheusError);
  });
});
