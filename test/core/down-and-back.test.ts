import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { select, valueOf } from '../support/prometheus-text.js';

describe('a database that goes down and comes back', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  let client: Connection | undefined;

  beforeAll(async () => {
    db = await startTestDatabase();
    if (!db.private) throw new Error('this test stops and starts its server: run it without TEST_MYSQL_URL');
    exporter = await startExporterProcess({ scrape_interval: '1s', scrape_timeout: '1s', targets: [{ name: 'db', url: db.url }] });
  });

  afterAll(async () => {
    await client?.end().catch(() => {});
    await exporter?.stop();
    await db?.destroy();
  });

  it('marks the target down, drops its sessions, keeps serving, and recovers', async () => {
    client = await db.connect({ user: 'root', database: 'mysql' });
    await exporter.waitFor((s) => expect(valueOf(s, 'dbsession_sessions', { target: 'db', db: 'mysql', state: 'SLEEP' })).toBe(1));

    await db.stop();
    client = undefined;
    const down = await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_up', { target: 'db' })).toBe(0);
      return s;
    });
    expect(select(down, 'dbsession_sessions')).toEqual([]);
    expect(select(down, 'dbsession_tenant_sessions')).toEqual([]);
    expect(valueOf(down, 'dbsession_scrape_errors_total', { target: 'db' })).toBeGreaterThanOrEqual(1);
    expect(exporter.logs()).toMatch(/"target":"db".*scrape failed: target marked down/);

    await db.start();
    client = await db.connect({ user: 'root', database: 'mysql' });
    await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_up', { target: 'db' })).toBe(1);
      expect(valueOf(s, 'dbsession_sessions', { target: 'db', db: 'mysql', state: 'SLEEP' })).toBe(1);
    });
    expect(exporter.child.exitCode).toBeNull();
  });
});
