import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latest } from '../otel/agreement.js';
import { startOtlpReceiver, type OtlpReceiver } from '../otel/otlp-receiver.js';
import { makeTestCertificates, type TestCertificates } from '../support/certificates.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { buildObshellHeader, nowSeconds } from '../support/obshell-client.js';
import { parseSamples, valueOf } from '../support/prometheus-text.js';
import { TlsExporter } from '../support/tls-exporter.js';

/** Every secret the exporter is given or sent; distinctive, so a grep cannot miss a leak. */
const SECRETS = {
  fromEnv: 'Env-Pw-7f3a91c2',
  fromFile: 'File-Pw-0b8e44d1',
  wrong: 'Wrong-Pw-5c2d1e9f',
  web: 'Web-Pw-a4f0c377',
  webGuess: 'Guess-Pw-91be20aa',
  obshell: 'Obshell-Pw-3d7719e0',
  obshellGuess: 'Obshell-Guess-6b02c4d8',
  dashboardToken: 'Dashboard-Tok-58e1a0f3',
  dashboardGuess: 'Dashboard-Guess-c7d29b14',
  dbssToken: 'Dbss-Tok-0a9be61d',
  dbssGuess: 'Dbss-Guess-e34f8c27',
  otlp: 'Otlp-Tok-2d6c5e90',
} as const;
const ENV_NAME = 'DBSESSION_TEST_SECRET_PASSWORD';
const OTLP_ENV_NAME = 'DBSESSION_TEST_SECRET_OTLP';

const basicAuth = (password: string) => ({ authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` });
/** An Authorization header echoed back would carry a basic-auth password in base64. */
const basicAuthForms = (secret: string) => [secret, Buffer.from(`prometheus:${secret}`).toString('base64')];

describe('secrets never leave the exporter', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  let collector: OtlpReceiver;
  /** Everything the exporter said to anyone: response bodies and headers; logs are added at the end. */
  const heard: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-secrets-'));
  const file = (name: string) => join(dir, name);

  const config = (extra: object = {}) => ({
    scrape_interval: '1s',
    targets: [
      { name: 'env', url: `mysql://monitor@${db.host}:${db.port}`, password: `\${${ENV_NAME}}` },
      { name: 'file', url: `mysql://filer@${db.host}:${db.port}`, password_file: file('db-password') },
      { name: 'wrong', url: `mysql://monitor@${db.host}:${db.port}`, password: SECRETS.wrong },
    ],
    auth: {
      obshell: { password: SECRETS.obshell },
      dashboard: { tokens_file: file('dashboard-tokens') },
      dbss: { tokens_file: file('dbss-tokens') },
    },
    history: { path: file('history') },
    otlp: { endpoint: collector.url, interval: '1s', timeout: '1s', headers: { authorization: `Bearer \${${OTLP_ENV_NAME}}` } },
    ...extra,
  });

  /** Polls /metrics (with credentials) until `check` holds. */
  async function metricsWith(check: (text: string) => boolean): Promise<string> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const text = await (await hear('/metrics', { headers: basicAuth(SECRETS.web) })).text();
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

  /** The status of a request, heard. */
  const statusOf = async (path: string, init: RequestInit = {}) => (await hear(path, init)).status;

  /** An obshell session request with a fresh X-OCS-Header for `password`, built as obshell's clients do. */
  async function obshellStatus(path: string, password: string): Promise<number> {
    const secret = (await (await hear('/api/v1/secret')).json()) as { data: { public_key: string } };
    const { header } = buildObshellHeader({ publicKey: secret.data.public_key, password, uri: path, ts: nowSeconds() + 5 });
    return statusOf(path, { headers: { 'X-OCS-Header': header } });
  }

  const dbss = (token?: string) =>
    statusOf('/v1/env/audit/env/statistics/session/db-client', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { 'x-auth-token': token }) },
      body: JSON.stringify({ time: { time_range: 'HOUR' } }),
    });
  const dashboard = (token?: string) => statusOf('/stats/active-sessions/dashboard?target=env', { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    db = await startTestDatabase();
    collector = await startOtlpReceiver();
    // Refused at first, so that failed pushes are logged too.
    collector.setMode('unavailable');
    const admin = await db.connect();
    await admin.query(`CREATE USER monitor@'%' IDENTIFIED BY '${SECRETS.fromEnv}'`);
    await admin.query(`CREATE USER filer@'%' IDENTIFIED BY '${SECRETS.fromFile}'`);
    await admin.query("GRANT PROCESS ON *.* TO monitor@'%', filer@'%'");
    await admin.end();
    writeFileSync(file('db-password'), `${SECRETS.fromFile}\n`);
    writeFileSync(file('dashboard-tokens'), `${SECRETS.dashboardToken}\n`);
    writeFileSync(file('dbss-tokens'), `${SECRETS.dbssToken} env/env\n`);
    writeFileSync(file('web.yml'), `basic_auth_users:\n  prometheus: ${bcrypt.hashSync(SECRETS.web, 4)}\n`);
    process.env[ENV_NAME] = SECRETS.fromEnv;
    process.env[OTLP_ENV_NAME] = SECRETS.otlp;
    exporter = await startExporterProcess(config(), [`--web.config.file=${file('web.yml')}`]);
    delete process.env[ENV_NAME];
    delete process.env[OTLP_ENV_NAME];
  });

  afterAll(async () => {
    await exporter?.stop();
    await collector?.close();
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

  it('pushes OTLP with the header from ${ENV}, failing and then succeeding', async () => {
    // exporter.waitFor reads /metrics, which basic auth guards here.
    await collector.waitFor(() => expect(exporter.logs()).toContain('OTLP export failed'));
    collector.setMode('ok');
    await collector.waitFor(() => expect(latest(collector.accepted()).headers.authorization).toBe(`Bearer ${SECRETS.otlp}`));
  });

  it('says nothing secret on any page, error or refusal', async () => {
    await hear('/', { headers: basicAuth(SECRETS.web) });
    await hear('/');
    await hear('/metrics', { headers: basicAuth(SECRETS.webGuess) });
    await hear('/metrics', { headers: { ...basicAuth(SECRETS.web), accept: 'application/openmetrics-text; version=1.0.0' } });
    await hear('/-/healthy');
    await hear('/-/ready');
    await hear('/api/v1/info');
    await hear('/no/such/page');
  });

  it('says nothing secret when authenticating each API family, rightly or wrongly', async () => {
    const sessions = '/api/v1/tenant/env/sessions?target=env';
    expect(await obshellStatus(sessions, SECRETS.obshell)).toBe(200);
    expect(await obshellStatus(sessions, SECRETS.obshellGuess)).toBe(401);
    expect(await statusOf(sessions)).toBe(401);
    expect(await obshellStatus('/api/v1/tenant/env/sessions?target=env&page=0', SECRETS.obshell)).toBe(400);
    expect(await dashboard(SECRETS.dashboardToken)).toBe(200);
    expect(await dashboard(SECRETS.dashboardGuess)).toBe(401);
    expect(await dashboard()).toBe(401);
    expect(await dbss(SECRETS.dbssToken)).toBe(200);
    expect(await dbss(SECRETS.dbssGuess)).toBe(401);
    expect(await dbss()).toBe(401);
    // A right credential of one family is nothing to another.
    expect(await dbss(SECRETS.dashboardToken)).toBe(401);
    expect(await dashboard(SECRETS.dbssToken)).toBe(401);
    expect(await statusOf('/metrics', { headers: { authorization: `Bearer ${SECRETS.dashboardToken}` } })).toBe(401);
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
      // An OTLP header of the wrong type, next to an obshell password in the wrong place.
      `otlp:\n  endpoint: ${collector.url}\n  headers: { authorization: [Bearer, ${SECRETS.otlp}] }\nobshell_password: ${SECRETS.obshell}\ntargets:\n  - name: env\n    url: mysql://monitor@${db.host}:${db.port}\n`,
    ];
    for (const text of broken) {
      exporter.writeConfig(text);
      expect(await statusOf('/-/reload', { method: 'POST', headers: basicAuth(SECRETS.web) })).toBe(500);
    }
    // The good config with a tokens file whose line holding the token is malformed.
    exporter.writeConfig(config());
    writeFileSync(file('dbss-tokens'), `${SECRETS.dbssToken} env/env/extra\n`);
    expect(await statusOf('/-/reload', { method: 'POST', headers: basicAuth(SECRETS.web) })).toBe(500);
    writeFileSync(file('dbss-tokens'), `${SECRETS.dbssToken} env/env\n`);
    // The good config (its ${ENV} still in the process's environment) comes back by signal.
    exporter.child.kill('SIGHUP');
    expect(await metricsWith((text) => text.includes('dbsession_config_last_reload_successful 1'))).toBeTruthy();
  });

  it('finds none of the secrets in anything it heard or logged', () => {
    const everything = `${heard.join('\n')}\n${exporter.logs()}`;
    expect(heard.length).toBeGreaterThan(30);
    // Each kind of failure happened and was logged: the grep below looked at real failures.
    for (const logged of [
      'config reload failed',
      'basic authentication failed',
      'obshell authentication failed',
      '"api":"dashboard"',
      '"api":"dbss"',
      'OTLP export failed',
      'Access denied',
      'line 1',
    ]) {
      expect(everything, logged).toContain(logged);
    }
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const form of basicAuthForms(secret)) expect(everything.includes(form), `${name} leaked`).toBe(false);
    }
  });
});

describe('the TLS private key never leaves the exporter', () => {
  let certs: TestCertificates;
  let exporter: TlsExporter;
  const heard: string[] = [];
  const auth = basicAuth(SECRETS.web).authorization;
  /** The web config with the key inline, as exporter-toolkit allows: then the config file itself holds the secret. */
  const webConfig = (key: string, users = `prometheus: ${bcrypt.hashSync(SECRETS.web, 4)}`) =>
    `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key: |\n${key.trimEnd().replace(/^/gm, '    ')}\nbasic_auth_users:\n  ${users}\n`;
  const key = () => certs.read(certs.serverKey);
  /** The key's base64 lines: any one of them in an output is a leak. */
  const keyLines = () => key().split('\n').filter((line) => line !== '' && !line.startsWith('-----'));

  async function hear(path: string, options: { method?: string; authorization?: string } = {}): Promise<number> {
    const answer = await exporter.get(path, options);
    heard.push(`${path} ${answer.status}\n${answer.body}`);
    return answer.status;
  }

  beforeAll(async () => {
    certs = makeTestCertificates();
    exporter = await TlsExporter.start(certs, webConfig(key()));
  });

  afterAll(async () => {
    await exporter?.stop();
  });

  it('serves over TLS with the inline key, and says nothing of it on any page, refusal or failed reload, nor in its log', async () => {
    expect(await hear('/', { authorization: auth })).toBe(200);
    expect(await hear('/metrics', { authorization: auth })).toBe(200);
    expect(await hear('/metrics', { authorization: basicAuth(SECRETS.webGuess).authorization })).toBe(401);
    expect(await hear('/-/ready')).toBe(200);
    expect(await hear('/api/v1/secret')).toBe(200);
    expect(await hear('/no/such/page')).toBe(404);
    const lines = keyLines();
    const broken = [
      // A key that is no key: one line of it changed.
      webConfig(key().replace(lines[3]!, lines[3]!.split('').reverse().join(''))),
      // The real key, and a password hash that is none.
      webConfig(key(), 'prometheus: not-a-hash'),
      // The real key under a key this exporter does not know.
      `${webConfig(key())}tls_unknown: ${lines[0]}\n`,
    ];
    for (const text of broken) {
      writeFileSync(exporter.webConfigPath, text);
      expect(await hear('/-/reload', { method: 'POST', authorization: auth })).toBe(500);
    }
    expect(heard.join('\n')).toMatch(/basic_auth_users\.prometheus: is not a bcrypt hash/);
    const everything = `${heard.join('\n')}\n${exporter.logs()}`;
    expect(everything).toContain('config reload failed');
    for (const [index, line] of lines.entries()) expect(everything.includes(line), `key line ${index} leaked`).toBe(false);
  });
});
