import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../support/certificates.js';
import { TlsExporter, type Answer } from '../support/tls-exporter.js';

const PASSWORD = 'scrape-me-if-you-can';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = basic('prometheus', PASSWORD);

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
