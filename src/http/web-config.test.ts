import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../../test/support/certificates.js';
import { loadWebConfig, tlsChangeNeedsRestart, WebConfigError } from './web-config.js';

const HASH = bcrypt.hashSync('pw', 4);

let certs: TestCertificates;
beforeAll(() => {
  certs = makeTestCertificates();
});

function file(text: string, dir = mkdtempSync(join(tmpdir(), 'dbsession-web-'))): string {
  const path = join(dir, 'web.yml');
  writeFileSync(path, text);
  return path;
}

async function failure(path: string): Promise<string> {
  const error = await loadWebConfig(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebConfigError);
  return (error as Error).message;
}

describe('loadWebConfig', () => {
  it('reads users and headers; an empty file means plain HTTP and no auth', async () => {
    const config = await loadWebConfig(
      file(`basic_auth_users:\n  alice: ${HASH}\n  bob: '${HASH.replace(/^\$2b/, '$2y')}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`),
    );
    expect([...config.users.keys()]).toEqual(['alice', 'bob']);
    expect(config.headers).toEqual({ 'X-Frame-Options': 'deny' });
    expect(config.tls).toBeNull();
    const empty = await loadWebConfig(file(''));
    expect(empty.users.size).toBe(0);
    expect(empty.tls).toBeNull();
  });

  it('refuses a password that is not a bcrypt hash, without quoting it', async () => {
    const message = await failure(file('basic_auth_users:\n  alice: plain-text-secret\n'));
    expect(message).toContain('basic_auth_users.alice: is not a bcrypt hash');
    expect(message).not.toContain('plain-text-secret');
  });

  it('names keys this exporter does not support instead of ignoring them', async () => {
    expect(await failure(file('rate_limit:\n  interval: 1s\n  burst: 20\n'))).toMatch(/rate_limit \(not supported/);
    expect(await failure(file(`tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n`))).toMatch(
      /cipher_suites/,
    );
  });

  it('reports broken YAML by line, without echoing the file', async () => {
    const message = await failure(file(`basic_auth_users:\n  alice: ${HASH}\n   bob: [unclosed super-secret\n`));
    expect(message).toMatch(/web\.yml:\d+: invalid YAML/);
    expect(message).not.toContain('super-secret');
  });

  it('loads TLS with paths relative to the file, as exporter-toolkit does', async () => {
    const path = file(`tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n`, certs.dir);
    const config = await loadWebConfig(path);
    expect(config.tls?.clientAuth).toBe('NoClientCert');
    expect(config.tls?.context.minVersion).toBe('TLSv1.3');
    expect(config.tls?.context.cert).toBe(certs.read(certs.serverCert));
  });

  it('takes inline PEM too', async () => {
    const config = await loadWebConfig(
      file(JSON.stringify({ tls_server_config: { cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) } })),
    );
    expect(config.tls).not.toBeNull();
  });

  it('refuses incomplete or contradictory TLS settings', async () => {
    const tls = (lines: string) => file(`tls_server_config:\n${lines}`, certs.dir);
    expect(await failure(tls('  cert_file: server.crt\n'))).toContain('missing one of key or key_file');
    expect(await failure(tls('  key_file: server.key\n'))).toContain('missing one of cert or cert_file');
    expect(await failure(tls('  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n'))).toContain(
      'without a client_auth_type',
    );
    expect(
      await failure(tls('  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_allowed_sans: [x]\n')),
    ).toContain('client_allowed_sans requires');
    expect(await failure(tls('  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n'))).toContain(
      'min_version is above max_version',
    );
    expect(await failure(tls('  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Sometimes\n'))).toContain('client_auth_type');
    expect(await failure(tls('  cert_file: missing.crt\n  key_file: server.key\n'))).toMatch(/cannot read cert_file .*missing\.crt: ENOENT/);
  });

  it('refuses a key that does not belong to the certificate, without quoting the key', async () => {
    const message = await failure(file(`tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n`, certs.dir));
    expect(message).toContain('the certificate and key cannot be used');
    expect(message).not.toContain('PRIVATE KEY');
  });
});

describe('tlsChangeNeedsRestart', () => {
  it('allows new certificates but not switching TLS or client auth on a running server', async () => {
    const plain = file(`tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n`, certs.dir);
    const a = (await loadWebConfig(plain)).tls;
    const mutual = file(
      `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n`,
      certs.dir,
    );
    const b = (await loadWebConfig(mutual)).tls;
    expect(tlsChangeNeedsRestart(a, a)).toBeNull();
    expect(tlsChangeNeedsRestart(null, a)).toMatch(/on or off/);
    expect(tlsChangeNeedsRestart(a, null)).toMatch(/on or off/);
    expect(tlsChangeNeedsRestart(a, b)).toMatch(/client_auth_type/);
  });
});
