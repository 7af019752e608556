import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../support/certificates.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf, type Sample } from '../support/prometheus-text.js';

/** A target's `tls:` block against a MariaDB that serves TLS and requires it of the exporter's account. */
describe('TLS to the database', () => {
  let certs: TestCertificates;
  let db: TestDatabase;
  let exporter: ExporterProcess;
  let client: Connection;

  const url = () => `mysql://monitor@${db.host}:${db.port}`;
  const up = (s: Sample[], target: string) => valueOf(s, 'dbsession_up', { target });
  /** The scrape failures logged for a target, as JSON lines. */
  const failures = (target: string) =>
    exporter
      .logs()
      .split('\n')
      .filter((line) => line.includes('scrape failed'))
      .map((line) => JSON.parse(line) as { target: string; err: string })
      .filter((entry) => entry.target === target);

  beforeAll(async () => {
    certs = makeTestCertificates();
    db = await startTestDatabase({ serverArgs: [`--ssl-ca=${certs.caCert}`, `--ssl-cert=${certs.serverCert}`, `--ssl-key=${certs.serverKey}`] });
    const admin = await db.connect();
    await admin.query("CREATE USER monitor@'%' REQUIRE SSL");
    await admin.query("GRANT PROCESS ON *.* TO monitor@'%'");
    await admin.query("CREATE USER app@'%'");
    await admin.end();
    client = await db.connect({ user: 'app' });
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [
        { name: 'named', url: url(), tls: { ca_file: certs.caCert, server_name: 'localhost' } },
        // No server_name: the certificate must name the URL's host, here an IP address.
        { name: 'by_address', url: url(), tls: { ca_file: certs.caCert } },
        { name: 'wrong_ca', url: url(), tls: { ca_file: certs.strangerCaCert, server_name: 'localhost' } },
        { name: 'wrong_name', url: url(), tls: { ca_file: certs.caCert, server_name: 'db.internal' } },
        { name: 'unverified', url: url(), tls: { ca_file: certs.strangerCaCert, insecure_skip_verify: true } },
        // The account requires TLS: without it the server refuses, so the targets above did use it.
        { name: 'plain', url: url() },
      ],
    });
  });

  afterAll(async () => {
    await client?.end();
    await exporter?.stop();
    await db?.destroy();
  });

  it('connects and scrapes with a trusted CA and the name the certificate carries', async () => {
    const samples = await exporter.waitFor((s) => {
      for (const target of ['named', 'by_address']) {
        expect(up(s, target)).toBe(1);
        expect(valueOf(s, 'dbsession_sessions', { target, user: 'app', state: 'SLEEP' })).toBe(1);
      }
      return s;
    });
    expect(valueOf(samples, 'dbsession_process_privilege', { target: 'named' })).toBe(1);
  });

  it('stays down, says why in the log, and keeps running when the CA or the name is wrong', async () => {
    await exporter.waitFor((s) => {
      for (const target of ['wrong_ca', 'wrong_name', 'plain']) {
        expect(up(s, target)).toBe(0);
        expect(valueOf(s, 'dbsession_scrape_errors_total', { target })).toBeGreaterThanOrEqual(2);
      }
      expect(valueOf(s, 'dbsession_sessions', { target: 'wrong_ca', user: 'app', state: 'SLEEP' })).toBeUndefined();
    });
    expect(failures('wrong_ca')[0]?.err).toMatch(/certificate/i);
    expect(failures('wrong_name')[0]?.err).toMatch(/does not match certificate's altnames.*db\.internal/i);
    expect(failures('plain')[0]?.err).toMatch(/Access denied for user 'monitor'/);
    expect(exporter.child.exitCode).toBeNull();
    expect((await fetch(`${exporter.url}/-/healthy`)).status).toBe(200);
  });

  it('accepts any certificate with insecure_skip_verify', async () => {
    await exporter.waitFor((s) => expect(up(s, 'unverified')).toBe(1));
  });
});
