import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../support/certificates.js';
import { CLI } from '../support/exporter-process.js';
import { freePort } from '../support/mariadb.js';

const PASSWORD = 'scrape-me-if-you-can';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = basic('prometheus', PASSWORD);

interface HttpsOptions {
  readonly method?: string;
  readonly authorization?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * The exporter started with --web.config.file, as a real process. Its own harness speaks plain
 * HTTP, so this one waits for readiness over TLS.
 */
class TlsExporter {
  private output = '';
  readonly child: ChildProcess;

  private constructor(
    readonly port: number,
    readonly webConfigPath: string,
    private readonly certs: TestCertificates,
    private readonly client: Pick<HttpsOptions, 'cert' | 'key'>,
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'dbsession-web-'));
    const configPath = join(dir, 'config.yml');
    // A target nobody listens on: attempted (so ready) at once; these tests are about HTTP.
    writeFileSync(configPath, 'scrape_interval: 1s\ntargets:\n  - name: nowhere\n    url: mysql://exporter@127.0.0.1:1\n');
    this.child = spawn(
      process.execPath,
      [CLI, `--config.file=${configPath}`, `--web.config.file=${webConfigPath}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(certs: TestCertificates, webConfig: string, client: Pick<HttpsOptions, 'cert' | 'key'> = {}): Promise<TlsExporter> {
    const webConfigPath = join(mkdtempSync(join(tmpdir(), 'dbsession-web-')), 'web.yml');
    writeFileSync(webConfigPath, webConfig);
    const exporter = new TlsExporter(await freePort(), webConfigPath, certs, client);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (exporter.child.exitCode !== null) throw new Error(`exporter exited:\n${exporter.logs()}`);
      const ready = await exporter.get('/-/ready').catch(() => null);
      if (ready?.status === 200) return exporter;
      if (Date.now() > deadline) throw new Error(`exporter not ready:\n${exporter.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  logs(): string {
    return this.output;
  }

  get(path: string, options: HttpsOptions = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: options.method ?? 'GET',
          ca: this.certs.read(this.certs.caCert),
          servername: 'localhost',
          headers: options.authorization ? { authorization: options.authorization } : {},
          ...this.client,
          ...(options.cert && { cert: options.cert, key: options.key }),
          ...(options.maxVersion && { maxVersion: options.maxVersion }),
          agent: false,
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
      req.end();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

const hash = (password: string) => bcrypt.hashSync(password, 4);

describe('--web.config.file: TLS and basic auth', () => {
  let certs: TestCertificates;
  let exporter: TlsExporter;
  const webConfig = (password: string, extra = '') =>
    `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n  min_version: TLS13\n${extra}` +
    `basic_auth_users:\n  prometheus: ${hash(password)}\n`;

  beforeAll(async () => {
    certs = makeTestCertificates();
    exporter = await TlsExporter.start(certs, webConfig(PASSWORD));
  });

  afterAll(async () => {
    await exporter?.stop();
  });

  it('serves /metrics over TLS only to the right credentials', async () => {
    expect((await exporter.get('/metrics')).status).toBe(401);
    expect((await exporter.get('/metrics', { authorization: basic('prometheus', 'nope') })).status).toBe(401);
    expect((await exporter.get('/metrics', { authorization: basic('someone', PASSWORD) })).status).toBe(401);
    const metrics = await exporter.get('/metrics', { authorization: AUTH });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('dbsession_up{target="nowhere"} 0');
    expect((await exporter.get('/', { authorization: AUTH })).status).toBe(200);
    expect((await exporter.get('/')).status).toBe(401);
  });

  it('leaves health and readiness open', async () => {
    expect((await exporter.get('/-/healthy')).status).toBe(200);
    expect((await exporter.get('/-/ready')).status).toBe(200);
  });

  it('refuses plain HTTP and TLS below min_version', async () => {
    await expect(fetch(`http://127.0.0.1:${exporter.port}/-/healthy`)).rejects.toThrow();
    await expect(exporter.get('/-/healthy', { maxVersion: 'TLSv1.2' })).rejects.toThrow(/version|alert|handshake/i);
  });

  it('guards /-/reload, and a broken web config on reload keeps the old one', async () => {
    expect((await exporter.get('/-/reload', { method: 'POST' })).status).toBe(401);
    writeFileSync(exporter.webConfigPath, 'basic_auth_users:\n  prometheus: not-a-hash\n');
    const refused = await exporter.get('/-/reload', { method: 'POST', authorization: AUTH });
    expect(refused.status).toBe(500);
    expect(refused.body).toContain('basic_auth_users.prometheus: is not a bcrypt hash');
    expect((await exporter.get('/metrics', { authorization: AUTH })).body).toContain('dbsession_config_last_reload_successful 0');
    expect((await exporter.get('/metrics')).status).toBe(401);
  });

  it('refuses to turn TLS off on a reload', async () => {
    writeFileSync(exporter.webConfigPath, `basic_auth_users:\n  prometheus: ${hash(PASSWORD)}\n`);
    const refused = await exporter.get('/-/reload', { method: 'POST', authorization: AUTH });
    expect(refused.status).toBe(500);
    expect(refused.body).toContain('needs a restart');
    expect((await exporter.get('/metrics', { authorization: AUTH })).status).toBe(200);
  });

  it('applies new passwords and headers on reload, and stays guarded', async () => {
    writeFileSync(exporter.webConfigPath, webConfig('the-new-one', 'http_server_config:\n  headers:\n    X-Frame-Options: deny\n'));
    const reloaded = await exporter.get('/-/reload', { method: 'PUT', authorization: AUTH });
    expect(reloaded.status).toBe(200);
    expect((await exporter.get('/metrics', { authorization: AUTH })).status).toBe(401);
    expect((await exporter.get('/metrics', { authorization: basic('prometheus', 'the-new-one') })).status).toBe(200);
    expect((await exporter.get('/-/reload', { method: 'POST' })).status).toBe(401);
    expect(exporter.logs()).toContain('basic authentication failed');
    expect(exporter.logs()).not.toContain(PASSWORD);
    expect(exporter.logs()).not.toContain('the-new-one');
  });
});

describe('--web.config.file: client certificates', () => {
  let certs: TestCertificates;
  let exporter: TlsExporter;

  beforeAll(async () => {
    certs = makeTestCertificates();
    const client = { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) };
    exporter = await TlsExporter.start(
      certs,
      `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n  client_ca_file: ${certs.caCert}\n` +
        '  client_auth_type: RequireAndVerifyClientCert\n  client_allowed_sans: [prometheus.example]\n',
      client,
    );
  });

  afterAll(async () => {
    await exporter?.stop();
  });

  it('serves a client with a certificate from the configured CA', async () => {
    expect((await exporter.get('/metrics')).status).toBe(200);
  });

  it('refuses a client without a certificate or with one from another CA', async () => {
    const bare = new Promise<Answer>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: exporter.port, path: '/metrics', ca: certs.read(certs.caCert), servername: 'localhost', agent: false },
        (res) => resolve({ status: res.statusCode ?? 0, body: '' }),
      );
      req.on('error', reject);
      req.end();
    });
    await expect(bare).rejects.toThrow();
    await expect(exporter.get('/metrics', { cert: certs.read(certs.strangerCert), key: certs.read(certs.strangerKey) })).rejects.toThrow();
  });
});
