import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { buildObshellHeader, encryptHeaderPlaintext, nowSeconds } from '../support/obshell-client.js';
import { seedOceanBase } from '../support/oceanbase-schema.js';
import { expectError, getAuthenticated, getObshell, waitForAnswer } from './obshell-http.js';

const PASSWORD = 'obshell-Secret-7f3a';
const NEW_PASSWORD = 'rotated-Secret-91c2';

/** Every endpoint behind obshell's "API hybrid encryption" once a password is set, driven by the protocol test client. */
describe('obshell API with a password', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  let passwordFile: string;
  const get = (path: string, headers?: Record<string, string>) => getObshell(exporter.url, path, headers);

  async function publicKey(): Promise<string> {
    return ((await get('/api/v1/secret')).body.data as { public_key: string }).public_key;
  }

  async function withHeader(path: string, fields: { password?: string; uri?: string; ts?: number }) {
    const { header } = buildObshellHeader({
      publicKey: await publicKey(),
      password: fields.password ?? PASSWORD,
      uri: fields.uri ?? path,
      ts: fields.ts ?? nowSeconds() + 5,
    });
    return { header, answer: await get(path, { 'X-OCS-Header': header }) };
  }

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await seedOceanBase(admin);
    await admin.end();
    passwordFile = join(mkdtempSync(join(tmpdir(), 'obshell-auth-')), 'password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      auth: { obshell: { password_file: passwordFile } },
    });
    await waitForAnswer(
      () => getAuthenticated(exporter.url, '/api/v1/tenant/t1/sessions/stats', PASSWORD),
      (answer) => expect(answer.httpStatus).toBe(200),
    );
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it('tells obshell clients to send the password: identity CLUSTER AGENT, auth v2, no auth needed for info and secret', async () => {
    expect((await get('/api/v1/info')).body.data).toMatchObject({
      identity: 'CLUSTER AGENT',
      version: '4.5.0.0',
      security: true,
      supportedAuth: ['v2'],
      isObproxyAgent: false,
    });
    expect(await publicKey()).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  const PATHS = [
    '/api/v1/tenant/t1/sessions?page=1&size=10&active_only=true&sort=time%2Cdesc',
    '/api/v1/tenant/t1/sessions/3221588508',
    '/api/v1/tenant/t1/sessions/stats',
    '/targets/ob/api/v1/tenant/t1/sessions?user=app',
  ];

  it.each(PATHS)('requires the header for %s, and answers with it', async (path) => {
    expectError(await get(path), 401, 'Request.Header.NotFound');
    const { answer } = await withHeader(path, {});
    expect(answer.httpStatus).toBe(200);
  });

  it('authenticates before routing: an unknown route is a 401 without the header, a 404 with it', async () => {
    expectError(await get('/api/v1/nope'), 401, 'Request.Header.NotFound');
    expectError((await withHeader('/api/v1/nope', {})).answer, 404, 'Common.NotFound');
  });

  it('returns SQL text once an auth scheme guards it', async () => {
    const { answer } = await withHeader('/api/v1/tenant/t1/sessions/3221588508', {});
    expect(answer.body.data).toMatchObject({ id: 3221588508, info: 'SELECT * FROM users' });
  });

  it('rejects a wrong password, an expired or far-future Ts, another URI, a replay and garbage, each with its errCode', async () => {
    const path = '/api/v1/tenant/t1/sessions/stats';
    const wrong = expectError((await withHeader(path, { password: 'not-it' })).answer, 401, 'Security.Authentication.IncorrectOceanbasePassword');
    expectError((await withHeader(path, { ts: nowSeconds() - 60 })).answer, 401, 'Security.Authentication.Expired');
    expectError((await withHeader(path, { ts: nowSeconds() + 7200 })).answer, 401, 'Security.Authentication.Expired');
    expectError((await withHeader(path, { uri: '/api/v1/tenant/t2/sessions/stats' })).answer, 401, 'Security.Authentication.Header.UriMismatch');
    const { header, answer } = await withHeader(path, {});
    expect(answer.httpStatus).toBe(200);
    expectError(await get(path, { 'X-OCS-Header': header }), 401, 'Security.Authentication.Expired');
    const garbage = encryptHeaderPlaintext(await publicKey(), 'not json at all');
    expectError(await get(path, { 'X-OCS-Header': garbage }), 401, 'Security.Authentication.Header.DecryptFailed');
    expectError(await get(path, { 'X-OCS-Header': 'AAAA' }), 401, 'Security.Authentication.Header.DecryptFailed');
    expect(wrong).not.toContain('not-it');
    expect(exporter.logs()).not.toContain(PASSWORD);
    expect(exporter.logs()).not.toContain('not-it');
  });

  it("authenticates with the README's curl and openssl example, run as written there", async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const example = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((block) => block.includes('X-OCS-Header'));
    expect(example).toBeDefined();
    const script = example!.replaceAll('localhost:9797', new URL(exporter.url).host);
    const curl = async (password: string) => {
      const run = await promisify(execFile)('sh', ['-c', script], {
        cwd: mkdtempSync(join(tmpdir(), 'obshell-curl-')),
        env: { ...process.env, OBSHELL_PASSWORD: password },
      });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as { status: number; data?: { contents: { time: number }[] }; error?: { errCode: string } };
    };
    const answer = await curl(PASSWORD);
    expect(answer.status).toBe(200);
    const times = answer.data!.contents.map((s) => s.time);
    expect(times.length).toBeGreaterThan(1);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await curl('not-it')).error?.errCode).toBe('Security.Authentication.IncorrectOceanbasePassword');
  });

  it('takes a new password file on reload, keeping the generated key', async () => {
    const keyBefore = await publicKey();
    writeFileSync(passwordFile, NEW_PASSWORD);
    expect((await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    const path = '/api/v1/tenant/t1/sessions/stats';
    expectError((await withHeader(path, {})).answer, 401, 'Security.Authentication.IncorrectOceanbasePassword');
    expect((await withHeader(path, { password: NEW_PASSWORD })).answer.httpStatus).toBe(200);
    expect(await publicKey()).toBe(keyBefore);
    expect(exporter.logs()).not.toContain(NEW_PASSWORD);
  });
});
