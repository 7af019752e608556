import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express, { type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { decryptObshellBody } from '../../src/http/obshell/auth/body.js';
import { loadOrCreateKey, publicKeyBase64 } from '../../src/http/obshell/auth/key.js';
import { obshellAuth, obshellKeysOf, type ObshellAuthOptions } from '../../src/http/obshell/auth/middleware.js';
import { buildObshellHeader, encryptObshellBody, nowSeconds } from '../support/obshell-client.js';

const PASSWORD = 'root-password-for-tests';
const SESSIONS = '/api/v1/tenant/t1/sessions';

let key: KeyObject;
let publicKey: string;
const servers: Server[] = [];

beforeAll(async () => {
  key = await loadOrCreateKey();
  publicKey = publicKeyBase64(key);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Log lines as the exporter's own logger writes them. */
function captureLog(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('debug', destination), lines };
}

/** A stand-in for the obshell router: the envelope's error part is enough here. */
function renderError(res: Response, status: number, errCode: string, message: string): void {
  res.status(status).json({ successful: false, status, error: { errCode, message } });
}

async function startApp(options: Partial<ObshellAuthOptions> = {}): Promise<string> {
  const app = express();
  const auth = obshellAuth({ password: PASSWORD, key, onError: renderError, ...options });
  const api = express.Router();
  api.use(auth);
  api.get('/api/v1/tenant/:name/sessions', (_req, res) => {
    res.json({ successful: true, data: { keys: obshellKeysOf(res) !== null } });
  });
  api.post('/api/v1/echo', express.text({ type: '*/*' }), (req, res) => {
    const body = decryptObshellBody(typeof req.body === 'string' ? req.body : '', obshellKeysOf(res));
    if (body.ok) res.json({ echo: body.plaintext.toString('utf8') });
    else res.status(400).json({ message: body.message });
  });
  app.use(api);
  app.use('/targets/:target', api);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function headerFor(uri: string, overrides: { password?: string; ts?: number } = {}): string {
  return buildObshellHeader({ publicKey, password: PASSWORD, uri, ts: nowSeconds() + 5, ...overrides }).header;
}

interface Answer {
  status: number;
  body: { successful?: boolean; data?: unknown; error?: { errCode: string; message: string } };
}

async function get(base: string, uri: string, header?: string): Promise<Answer> {
  const response = await fetch(base + uri, { headers: header === undefined ? {} : { 'X-OCS-Header': header } });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

describe('obshellAuth middleware', () => {
  it('lets everything through when no password is configured', async () => {
    const base = await startApp({ password: undefined });
    expect(await get(base, SESSIONS)).toEqual({ status: 200, body: { successful: true, data: { keys: false } } });
  });

  it('admits a client that follows the protocol, percent-encoded query included', async () => {
    const base = await startApp();
    const uri = `${SESSIONS}?sort=time%2Cdesc&user=a%20b`;
    expect(await get(base, uri, headerFor(uri))).toEqual({ status: 200, body: { successful: true, data: { keys: true } } });
  });

  it('checks the URI as the client sent it under a /targets/{name} prefix', async () => {
    const base = await startApp();
    const uri = `/targets/east/api/v1/tenant/t1/sessions?page=2`;
    expect((await get(base, uri, headerFor(uri))).status).toBe(200);
    const stripped = await get(base, uri, headerFor('/api/v1/tenant/t1/sessions?page=2'));
    expect(stripped.body.error?.errCode).toBe('Security.Authentication.Header.UriMismatch');
  });

  it('answers each failure with a 401 and its obshell errCode', async () => {
    const base = await startApp();
    const cases: [string | undefined, string][] = [
      [undefined, 'Request.Header.NotFound'],
      ['bm90IGEgaGVhZGVy', 'Security.Authentication.Header.DecryptFailed'],
      [headerFor(SESSIONS, { password: 'wrong' }), 'Security.Authentication.IncorrectOceanbasePassword'],
      [headerFor(SESSIONS, { ts: nowSeconds() - 60 }), 'Security.Authentication.Expired'],
      [headerFor(SESSIONS, { ts: nowSeconds() + 3600 }), 'Security.Authentication.Expired'],
      [headerFor('/api/v1/tenant/t2/sessions'), 'Security.Authentication.Header.UriMismatch'],
    ];
    for (const [header, errCode] of cases) {
      const response = await get(base, SESSIONS, header);
      expect({ status: response.status, errCode: response.body.error?.errCode }).toEqual({ status: 401, errCode });
    }
  });

  it('rejects a header sent twice', async () => {
    const base = await startApp();
    const header = headerFor(SESSIONS);
    expect((await get(base, SESSIONS, header)).status).toBe(200);
    const replay = await get(base, SESSIONS, header);
    expect(replay.status).toBe(401);
    expect(replay.body.error?.message).toMatch(/already used/);
  });

  it('decrypts a request body with the Keys of the header', async () => {
    const base = await startApp();
    const built = buildObshellHeader({ publicKey, password: PASSWORD, uri: '/api/v1/echo', ts: nowSeconds() + 5 });
    const response = await fetch(`${base}/api/v1/echo`, {
      method: 'POST',
      headers: { 'X-OCS-Header': built.header, 'Content-Type': 'application/json' },
      body: encryptObshellBody('{"session_ids":[1,2]}', built.keys),
    });
    expect(await response.json()).toEqual({ echo: '{"session_ids":[1,2]}' });
  });

  it('refuses a client over the failure limit, even with a good header, and logs that once', async () => {
    const { logger, lines } = captureLog();
    const base = await startApp({ failureLimit: { failures: 3, perMs: 60_000 }, logger });
    for (let i = 0; i < 3; i++) expect((await get(base, SESSIONS, headerFor(SESSIONS, { password: `guess${i}` }))).status).toBe(401);
    const refused = await get(base, SESSIONS, headerFor(SESSIONS));
    expect(refused.body.error?.errCode).toBe('Security.Authentication.TooManyFailures');
    expect(refused.body.error?.message).toMatch(/retry in \d+ s/);
    expect(lines.filter((line) => line.includes('reached the failure limit'))).toHaveLength(1);
    expect(lines).toHaveLength(3);
  });

  it('does not count requests without a header against the limit', async () => {
    const base = await startApp({ failureLimit: { failures: 1, perMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await get(base, SESSIONS)).body.error?.errCode).toBe('Request.Header.NotFound');
    expect((await get(base, SESSIONS, headerFor(SESSIONS))).status).toBe(200);
  });

  it('logs every failure with its code and client, and never a secret', async () => {
    const { logger, lines } = captureLog();
    const base = await startApp({ logger });
    const wrong = headerFor(SESSIONS, { password: 'not-the-password' });
    const good = buildObshellHeader({ publicKey, password: PASSWORD, uri: SESSIONS, ts: nowSeconds() + 5 });
    const sent = [wrong, headerFor(`${SESSIONS}?x=1`), good.header, good.header, good.header.slice(4)];
    const answers: Answer[] = [];
    for (const header of sent) answers.push(await get(base, SESSIONS, header));

    expect(lines).toHaveLength(4);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((entry) => entry.errCode)).toEqual([
      'Security.Authentication.IncorrectOceanbasePassword',
      'Security.Authentication.Header.UriMismatch',
      'Security.Authentication.Expired',
      'Security.Authentication.Header.DecryptFailed',
    ]);
    expect(entries[0]).toMatchObject({ level: 'warn', client: '127.0.0.1', method: 'GET', path: SESSIONS, reason: 'incorrect password' });
    const everything = lines.join('\n') + JSON.stringify(answers);
    const secrets = [PASSWORD, 'not-the-password', good.keys.toString('base64'), ...sent.flatMap((h) => [h.slice(0, 24), h.slice(-24)])];
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
