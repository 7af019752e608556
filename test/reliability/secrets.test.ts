import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { parseSamples, valueOf } from '../support/prometheus-text.js';

/** Every secret the exporter is given or sent; distinctive, so a grep cannot miss a leak. */
const SECRETS = {
  fromEnv: 'Env-Pw-7f3a91c2',
  fromFile: 'File-Pw-0b8e44d1',
  wrong: 'Wrong-Pw-5c2d1e9f',
  web: 'Web-Pw-a4f0c377',
  webGuess: 'Guess-Pw-91be20aa',
  obshell: 'Obshell-Pw-3d7719e0',
} as const;
const ENV_NAME = 'DBSESSION_TEST_SECRET_PASSWORD';

describe('secrets never leave the exporter', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  /** Everything the exporter said to anyone: response bodies and headers; logs are added at the end. */
  const heard: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-secrets-'));
  const auth = (password: string) => ({ authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` });

  const config = (extra: object = {}) => ({
    scrape_interval: '1s',
    targets: [
      { name: 'env', url: `mysql://monitor@${db.host}:${db.port}`, password: `\${${ENV_NAME}}` },
      { name: 'file', url: `mysql://filer@${db.host}:${db.port}`, password_file: join(dir, 'db-password') },
      { name: 'wrong', url: `mysql://monitor@${db.host}:${db.port}`, password: SECRETS.wrong },
    ],
    auth: { obshell: { password: SECRETS.obshell } },
    ...extra,
  });

  /** Polls /metrics (with credentials) until `check` holds. */
  async function metricsWith(check: (text: string) => boolean): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = await (await hear('/metrics', { headers: auth(SECRETS.web) })).text();
      if (check(text)) return text;
      if (Date.now() > deadline) throw new Error(`/metrics never matched:\n${text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function hear(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${exporter.url}${path}`, init);
    heard.push(`${path} ${response.status} ${JSON.stringify([...response.headers])}\n${await response.clone().text()}`);
    return response;
  }

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await admin.query(`CREATE USER monitor@'%' IDENTIFIED BY '${SECRETS.fromEnv}'`);
    await admin.query(`CREATE USER filer@'%' IDENTIFIED BY '${SECRETS.fromFile}'`);
    await admin.query("GRANT PROCESS ON *.* TO monitor@'%', filer@'%'");
    await admin.end();
    writeFileSync(join(dir, 'db-password'), `${SECRETS.fromFile}\n`);
    const webConfig = join(dir, 'web.yml');
    writeFileSync(webConfig, `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(SECRETS.web, 4)}\n`);
    process.env[ENV_NAME] = SECRETS.fromEnv;
    exporter = await startExporterProcess(config(), [`--web.config.file=${webConfig}`]);
    delete process.env[ENV_NAME];
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it('connects with the password from ${ENV} and from password_file, and fails with the wrong one', async () => {
    await metricsWith((text) => {
      const s = parseSamples(text);
      return (
        valueOf(s, 'dbsession_up', { target: 'env' }) === 1 &&
        valueOf(s, 'dbsession_up', { target: 'file' }) === 1 &&
        valueOf(s, 'dbsession_up', { target: 'wrong' }) === 0
      );
    });
    expect(exporter.logs()).toMatch(/"target":"wrong".*Access denied/);
  });

  it('says nothing secret on any page, error or refusal', async () => {
    await hear('/', { headers: auth(SECRETS.web) });
    await hear('/');
    await hear('/metrics', { headers: auth(SECRETS.webGuess) });
    await hear('/metrics', { headers: { ...auth(SECRETS.web), accept: 'application/openmetrics-text; version=1.0.0' } });
    await hear('/-/healthy');
    await hear('/-/ready');
    await hear('/api/v1/info');
    await hear('/api/v1/secret');
    await hear('/api/v1/tenant/env/sessions');
    await hear('/no/such/page');
  });

  it('says nothing secret when a reload fails, however the config is broken', async () => {
    const broken = [
      // YAML that does not parse, on the line that holds the password.
      `targets:\n  - name: env\n    url: mysql://monitor@${db.host}:${db.port}\n    password: "${SECRETS.wrong}\n`,
      // A password inside the URL.
      `targets:\n  - name: env\n    url: mysql://monitor:${SECRETS.wrong}@${db.host}:${db.port}\n`,
      // A password of the wrong type, and an unknown key holding one.
      `targets:\n  - name: env\n    url: mysql://monitor@${db.host}:${db.port}\n    password: [${SECRETS.wrong}]\n    passwort: ${SECRETS.wrong}\n`,
      // An environment variable that is not set, next to the obshell password.
      `auth:\n  obshell:\n    password: ${SECRETS.obshell}\ntargets:\n  - name: env\n    url: mysql://monitor@${db.host}:${db.port}\n    password: \${NOT_SET_${ENV_NAME}}\n`,
    ];
    for (const text of broken) {
      exporter.writeConfig(text);
      const response = await hear('/-/reload', { method: 'POST', headers: auth(SECRETS.web) });
      expect(response.status).toBe(500);
    }
    // The good config (its ${ENV} still in the process's environment) comes back by signal.
    exporter.writeConfig(config());
    exporter.child.kill('SIGHUP');
    expect(await metricsWith((text) => text.includes('dbsession_config_last_reload_successful 1'))).toBeTruthy();
  });

  it('finds none of the secrets in anything it heard or logged', () => {
    const everything = `${heard.join('\n')}\n${exporter.logs()}`;
    expect(heard.length).toBeGreaterThan(15);
    expect(everything).toContain('config reload failed');
    expect(everything).toContain('basic authentication failed');
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(everything.includes(secret), `${name} leaked`).toBe(false);
      // An Authorization header echoed back would carry it in base64.
      const header = Buffer.from(`prometheus:${secret}`).toString('base64');
      expect(everything.includes(header), `${name} leaked as a header`).toBe(false);
    }
  });
});
