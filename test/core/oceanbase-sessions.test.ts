import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { seedOceanBase } from '../support/oceanbase-schema.js';
import { select, valueOf } from '../support/prometheus-text.js';

/** The oceanbase source against OceanBase's views emulated in a real MariaDB. */
describe('OceanBase target: emulated GV$OB_PROCESSLIST', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await seedOceanBase(admin);
    // Ids repeat across observers: these share ids with the exporter's own MariaDB threads.
    await admin.query(
      'INSERT INTO oceanbase.`GV$OB_PROCESSLIST` (SVR_IP, SVR_PORT, SQL_PORT, ID, USER, HOST, DB, TENANT, COMMAND, TIME, STATE) VALUES ?',
      [Array.from({ length: 50 }, (_, i) => ['10.10.10.9', 2882, 2881, i + 1, 'collide', '10.10.10.160:1', 'test', 't2', 'Sleep', 1, 'INIT'])],
    );
    await admin.end();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
    });
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it('reports every non-META tenant, zero-filled when idle', async () => {
    const s = await exporter.waitFor((samples) => {
      expect(valueOf(samples, 'dbsession_up', { target: 'ob' })).toBe(1);
      return samples;
    });
    const tenants = new Set(select(s, 'dbsession_tenant_sessions', { target: 'ob' }).map((x) => x.labels.tenant));
    expect([...tenants].sort()).toEqual(['idle', 'sys', 't1', 't2']);
    expect(valueOf(s, 'dbsession_tenant_sessions', { target: 'ob', tenant: 'idle', state: 'ACTIVE' })).toBe(0);
    expect(valueOf(s, 'dbsession_tenant_sessions', { target: 'ob', tenant: 'idle', state: 'SLEEP' })).toBe(0);
    expect(valueOf(s, 'dbsession_tenant_sessions', { target: 'ob', tenant: 't1', state: 'ACTIVE' })).toBe(2);
    expect(valueOf(s, 'dbsession_tenant_sessions', { target: 'ob', tenant: 't1', state: 'SLEEP' })).toBe(3);
    expect(valueOf(s, 'dbsession_max_active_time_seconds', { target: 'ob', tenant: 't2' })).toBe(3600.5);
    expect(valueOf(s, 'dbsession_max_active_time_seconds', { target: 'ob', tenant: 'idle' })).toBe(0);
  });

  it('uses the real client address behind a proxy, IPv6 too, and folds NULL schemas to ""', async () => {
    const s = await exporter.samples();
    expect(valueOf(s, 'dbsession_client_sessions', { tenant: 't1', client_ip: '198.51.100.20' })).toBe(2);
    expect(valueOf(s, 'dbsession_client_sessions', { tenant: 't1', client_ip: '2001:db8::7' })).toBe(1);
    expect(select(s, 'dbsession_client_sessions', { client_ip: '10.0.0.9' })).toEqual([]);
    // DB NULL (report) and the string "NULL" (admin, whose STATE is NULL and COMMAND Sleep) both mean no schema.
    expect(valueOf(s, 'dbsession_sessions', { tenant: 't1', user: 'report', db: '', state: 'SLEEP' })).toBe(1);
    expect(valueOf(s, 'dbsession_sessions', { tenant: 't1', user: 'admin', db: '', state: 'SLEEP' })).toBe(1);
  });

  it('exports limits next to usage and sessions per observer', async () => {
    const s = await exporter.samples();
    expect(valueOf(s, 'dbsession_connection_limit', { target: 'ob', tenant: 't1' })).toBe(100);
    expect(select(s, 'dbsession_connection_limit', { tenant: 't2' })).toEqual([]);
    expect(valueOf(s, 'dbsession_observer_sessions', { target: 'ob', svr_ip: '10.10.10.2' })).toBe(2);
    expect(select(s, 'dbsession_sessions', { tenant: 'META$1002' })).toEqual([]);
  });

  it('leaves out only its own connections, not sessions of other observers with the same ids', async () => {
    const s = await exporter.samples();
    expect(valueOf(s, 'dbsession_sessions', { tenant: 't2', user: 'collide', db: 'test', state: 'INIT' })).toBe(50);
    expect(valueOf(s, 'dbsession_observer_sessions', { target: 'ob', svr_ip: '10.10.10.9' })).toBe(50);
  });

  it('follows tenants and sessions as they change', async () => {
    const admin = await db.connect();
    await admin.query(
      "INSERT INTO oceanbase.`GV$OB_PROCESSLIST` (SVR_IP, SVR_PORT, SQL_PORT, ID, USER, HOST, DB, TENANT, COMMAND, TIME, STATE) VALUES ('10.10.10.1', 2882, 2881, 42, 'late', '10.10.10.150:1', 'test', 'idle', 'Query', 2, 'ACTIVE')",
    );
    await admin.query("DELETE FROM oceanbase.`GV$OB_PROCESSLIST` WHERE TENANT = 't2'");
    await admin.end();
    await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_tenant_sessions', { tenant: 'idle', state: 'ACTIVE' })).toBe(1);
      expect(valueOf(s, 'dbsession_tenant_sessions', { tenant: 't2', state: 'ACTIVE' })).toBe(0);
      expect(valueOf(s, 'dbsession_sessions_started_total', { tenant: 'idle', user: 'late', db: 'test', client_ip: '10.10.10.150' })).toBe(1);
      expect(select(s, 'dbsession_sessions', { tenant: 't2' })).toEqual([]);
    });
  });

  it('tolerates a view without the optional columns of newer versions', async () => {
    const admin = await db.connect();
    await admin.query(
      'ALTER TABLE oceanbase.`GV$OB_PROCESSLIST` DROP COLUMN TOTAL_CPU_TIME, DROP COLUMN MEMORY_USAGE, DROP COLUMN USER_CLIENT_IP, DROP COLUMN SQL_PORT',
    );
    await admin.end();
    // A new connection discovers the columns afresh: restart the exporter.
    await exporter.stop();
    exporter = await startExporterProcess({ scrape_interval: '1s', scrape_timeout: '1s', targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }] });
    await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_up', { target: 'ob' })).toBe(1);
      // Without USER_CLIENT_IP the proxy's address is all there is.
      expect(valueOf(s, 'dbsession_client_sessions', { tenant: 't1', client_ip: '10.0.0.9' })).toBe(2);
    });
  });
});
