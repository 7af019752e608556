import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway PKI: a CA, a server certificate for 127.0.0.1/localhost and a client certificate. */
export interface TestCertificates {
  readonly dir: string;
  /** File paths, PEM. */
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed neither the server's nor the client's certificate. */
  readonly strangerCaCert: string;
  /** A client certificate from a CA the server does not trust. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  read(path: string): string;
}

function openssl(args: string[], cwd: string): void {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (run.error) throw new Error(`openssl is needed to make test certificates (apt-get install openssl): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
}

function selfSigned(dir: string, name: string, subject: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
}

function signed(dir: string, name: string, subject: string, ca: string, extensions: string): void {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`],
    dir,
  );
}

/** Made with the openssl CLI: node can verify certificates but not issue them. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-pki-'));
  selfSigned(dir, 'ca', '/CN=db-session-exporter test CA');
  selfSigned(dir, 'stranger-ca', '/CN=someone else');
  signed(dir, 'server', '/CN=localhost', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', '/CN=prometheus', 'ca', 'subjectAltName=DNS:prometheus.example\nextendedKeyUsage=clientAuth\n');
  signed(dir, 'stranger', '/CN=stranger', 'stranger-ca', 'subjectAltName=DNS:prometheus.example\nextendedKeyUsage=clientAuth\n');
  const path = (file: string) => join(dir, file);
  return {
    dir,
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    strangerCaCert: path('stranger-ca.crt'),
    strangerCert: path('stranger.crt'),
    strangerKey: path('stranger.key'),
    read: (file) => readFileSync(file, 'utf8'),
  };
}
