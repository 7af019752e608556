import { Writable } from 'node:stream';
import bcrypt from 'bcryptjs';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange } from '../../test/support/raw-http.js';
import { createLogger } from '../logging/logger.js';
import { BasicAuthGuard } from './basic-auth.js';
import { jsonBody, HTTP_LIMITS } from './limits.js';
import { createHttpApp, listenHttp, type HttpServer } from './server.js';

const PASSWORD = 'correct horse battery staple';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The app as app.ts builds it, with a stand-in JSON API and a slow route, on a real socket. */
describe('HTTP server: limits, errors, basic auth coverage, graceful close', () => {
  const logLines: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  let http: HttpServer;
  let port: number;
  let releaseSlow: () => void = () => {};

  beforeAll(async () => {
    const guard = new BasicAuthGuard(new Map([['prometheus', bcrypt.hashSync(PASSWORD, 4)]]), { log });
    const api = Router({ mergeParams: true });
    api.post('/echo', jsonBody, (req, res) => {
      res.json({ target: req.params.target ?? null, body: req.body as unknown });
    });
    api.get('/slow', (_req, res) => {
      releaseSlow = () => {
        releaseSlow = () => {};
        res.type('text').send('finished\n');
      };
    });
    api.get('/broken', () => {
      throw new Error('internal detail /srv/secret/path');
    });
    const app = createHttpApp({
      version: '1.2.3',
      log,
      metrics: async (_req, res) => void res.type('text').send('dbsession_up 1\n'),
      ready: () => true,
      reload: async () => ({ ok: true }),
      apis: [{ path: '/api', router: api }],
      authenticate: guard.middleware,
      responseHeaders: () => ({ 'X-Content-Type-Options': 'nosniff' }),
    });
    http = await listenHttp(app, { host: '127.0.0.1', port: 0, tls: null, log });
    port = Number(new URL(http.url).port);
  });

  afterAll(async () => {
    releaseSlow();
    await http?.close();
  });

  it('guards /, /metrics and /-/reload with basic auth, and nothing else', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/metrics'],
      ['POST', '/-/reload'],
      ['PUT', '/-/reload'],
    ] as const) {
      const refused = await fetch(`${http.url}${path}`, { method });
      expect(refused.status, `${method} ${path}`).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      const wrong = await fetch(`${http.url}${path}`, { method, headers: { authorization: basic('prometheus', 'wrong') } });
      expect(wrong.status, `${method} ${path}`).toBe(401);
      const right = await fetch(`${http.url}${path}`, { method, headers: { authorization: basic('prometheus', PASSWORD) } });
      expect(right.status, `${method} ${path}`).toBe(200);
    }
    expect((await fetch(`${http.url}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${http.url}/-/ready`)).status).toBe(200);
    expect((await fetch(`${http.url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
    expect(logLines.join('')).not.toContain(PASSWORD);
    expect(logLines.join('')).not.toContain('wrong');
  });

  it('sets the configured response headers on every answer', async () => {
    expect((await fetch(`${http.url}/-/healthy`)).headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${http.url}/nope`)).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('parses JSON bodies up to the limit, under /targets/:target too', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(HTTP_LIMITS.maxBodyBytes - 100) });
    const response = await fetch(`${http.url}/targets/ob1/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { target: string }).target).toBe('ob1');
  });

  it('answers 413 to a body over the limit, declared or chunked', async () => {
    const declared = await rawExchange(port, [
      `POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`,
    ]);
    expect(declared.status).toBe(413);
    const big = JSON.stringify({ text: 'x'.repeat(HTTP_LIMITS.maxBodyBytes) });
    const chunked = await fetch(`${http.url}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers malformed JSON, bad paths and unknown routes with short 4xx texts, never a stack', async () => {
    const malformed = await fetch(`${http.url}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toBe('Bad Request\n');
    const notFound = await fetch(`${http.url}/nope/%E0%A4%A`);
    expect(notFound.status).toBe(404);
    expect(await notFound.text()).toBe('Not Found\n');
    const broken = await fetch(`${http.url}/api/broken`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toBe('Internal Server Error\n');
    expect(logLines.join('')).toContain('request failed');
  });

  it('answers 431 to oversized headers and 414 to an oversized query string', async () => {
    const headers = await rawExchange(port, [`GET /-/healthy HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(HTTP_LIMITS.maxHeaderBytes)}\r\n\r\n`]);
    expect(headers.status).toBe(431);
    expect(headers.closed).toBe(true);
    const query = await rawExchange(port, [`GET /-/healthy?q=${'a'.repeat(HTTP_LIMITS.maxUrlBytes)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    expect(query.status).toBe(414);
  });

  it('on close, finishes the request in flight with Connection: close, then resolves', async () => {
    const inFlight = rawExchange(port, ['GET /api/slow HTTP/1.1\r\nHost: x\r\n\r\n'], { waitMs: 5_000 });
    await new Promise((r) => setTimeout(r, 100));
    const closed = http.close();
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${http.url}/-/healthy`)).rejects.toThrow();
    releaseSlow();
    const exchange = await inFlight;
    await closed;
    expect(exchange.status).toBe(200);
    expect(exchange.text).toMatch(/connection: close/i);
    expect(exchange.text).toContain('finished');
    expect(exchange.closed).toBe(true);
  });
});
