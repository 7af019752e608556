import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { select, valueOf } from '../support/prometheus-text.js';

/**
 * What the exporter sees depends on the PROCESS privilege: an account without it sees only its
 * own threads, and says so in dbsession_process_privilege, also when PROCESS comes from a role.
 */
describe('MySQL/MariaDB target: the PROCESS privilege', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  const open: Connection[] = [];

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await admin.query("CREATE USER alice@'%'");
    // No privilege at all: MariaDB still lets an account see its own threads.
    await admin.query("CREATE USER limited@'%'");
    // PROCESS only through a role, enabled at login by SET DEFAULT ROLE.
    await admin.query('CREATE ROLE monitor');
    await admin.query('GRANT PROCESS ON *.* TO monitor');
    await admin.query("CREATE USER viarole@'%'");
    await admin.query("GRANT monitor TO viarole@'%'");
    await admin.query("SET DEFAULT ROLE monitor FOR viarole@'%'");
    await admin.end();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [
        { name: 'limited', url: `mysql://limited@${db.host}:${db.port}` },
        { name: 'viarole', url: `mysql://viarole@${db.host}:${db.port}` },
      ],
    });
    open.push(await db.connect({ user: 'alice' }), await db.connect({ user: 'limited' }));
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => {})));
    await exporter?.stop();
    await db?.destroy();
  });

  it('reports 0 for an account without PROCESS, which sees only its own sessions', async () => {
    const samples = await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_sessions', { target: 'limited', user: 'limited', state: 'SLEEP' })).toBe(1);
      return s;
    });
    expect(valueOf(samples, 'dbsession_up', { target: 'limited' })).toBe(1);
    expect(valueOf(samples, 'dbsession_process_privilege', { target: 'limited' })).toBe(0);
    const users = new Set(select(samples, 'dbsession_sessions', { target: 'limited' }).map((s) => s.labels.user));
    expect([...users]).toEqual(['limited']);
  });

  it('reports 1 for an account that holds PROCESS through a role, and it sees everyone', async () => {
    const samples = await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_sessions', { target: 'viarole', user: 'alice', state: 'SLEEP' })).toBe(1);
      return s;
    });
    expect(valueOf(samples, 'dbsession_process_privilege', { target: 'viarole' })).toBe(1);
    // The test's session and the other target's connection: someone else's sessions to this one.
    const limited = select(samples, 'dbsession_sessions', { target: 'viarole', user: 'limited' });
    expect(limited.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(2);
  });
});
