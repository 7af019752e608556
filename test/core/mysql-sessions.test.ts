import { spawnSync } from 'node:child_process';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { lintOpenMetrics } from '../support/openmetrics.js';
import { select, valueOf } from '../support/prometheus-text.js';

/** Real MariaDB sessions opened by the test, seen through the exporter process. */
describe('MySQL/MariaDB target: live sessions', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  const open: Connection[] = [];

  beforeAll(async () => {
    // The event scheduler is a server thread in the processlist (user event_scheduler, command Daemon).
    db = await startTestDatabase({ serverArgs: ['--event-scheduler=ON'] });
    const admin = await db.connect();
    for (const schema of ['shop', 'crm']) await admin.query(`CREATE DATABASE IF NOT EXISTS ${schema}`);
    for (const user of ['alice', 'bob']) {
      await admin.query(`CREATE USER IF NOT EXISTS '${user}'@'%'`);
      await admin.query(`GRANT ALL ON *.* TO '${user}'@'%'`);
    }
    await admin.end();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [{ name: 'maria', url: db.url, tenant: 'main' }],
    });
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => {})));
    await exporter?.stop();
    await db?.destroy();
  });

  it('counts the sessions the test opens, by db, user and state', async () => {
    // Opened after the exporter's first scrape, so these are starts, not baseline.
    for (let i = 0; i < 2; i++) open.push(await db.connect({ user: 'alice', database: 'shop' }));
    const sleeper = await db.connect({ user: 'bob', database: 'crm' });
    open.push(sleeper);
    void sleeper.query('SELECT SLEEP(30)').catch(() => {});

    const samples = await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_sessions', { target: 'maria', tenant: 'main', db: 'shop', user: 'alice', state: 'SLEEP' })).toBe(2);
      expect(valueOf(s, 'dbsession_sessions', { target: 'maria', tenant: 'main', db: 'crm', user: 'bob', state: 'ACTIVE' })).toBe(1);
      expect(valueOf(s, 'dbsession_max_active_time_seconds', { target: 'maria', tenant: 'main' })).toBeGreaterThanOrEqual(1);
      return s;
    });
    expect(valueOf(samples, 'dbsession_up', { target: 'maria' })).toBe(1);
    expect(valueOf(samples, 'dbsession_tenant_sessions', { target: 'maria', tenant: 'main', state: 'ACTIVE' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'dbsession_client_sessions', { target: 'maria', tenant: 'main', client_ip: '127.0.0.1' })).toBeGreaterThanOrEqual(3);
    expect(valueOf(samples, 'dbsession_connection_limit', { target: 'maria', tenant: 'main' })).toBe(2000);
    expect(valueOf(samples, 'dbsession_process_privilege', { target: 'maria' })).toBe(1);
    expect(valueOf(samples, 'dbsession_observer_sessions', { target: 'maria', svr_ip: '127.0.0.1' })).toBeGreaterThanOrEqual(3);
    // The exporter's own connections never count: only the three the test opened are alice's and bob's.
    expect(select(samples, 'dbsession_sessions', { user: 'root' })).toEqual([]);
    await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_sessions_started_total', { target: 'maria', tenant: 'main', db: 'shop', user: 'alice', client_ip: '127.0.0.1' })).toBe(2);
    });
  });

  it('drops the series of sessions that closed', async () => {
    await Promise.all(open.splice(0).map((c) => c.destroy()));
    await exporter.waitFor((s) => {
      expect(select(s, 'dbsession_sessions', { user: 'alice' })).toEqual([]);
      expect(select(s, 'dbsession_sessions', { user: 'bob' })).toEqual([]);
      expect(valueOf(s, 'dbsession_max_active_time_seconds', { target: 'maria', tenant: 'main' })).toBe(0);
      // Zero-filled, not absent, once the tenant is idle.
      expect(valueOf(s, 'dbsession_tenant_sessions', { target: 'maria', tenant: 'main', state: 'ACTIVE' })).toBe(0);
    });
  });

  it('leaves out server threads: the event scheduler is no session', async () => {
    const admin = await db.connect();
    const [threads] = await admin.query<RowDataPacket[]>("SELECT USER, COMMAND FROM information_schema.PROCESSLIST WHERE USER <> 'root'");
    await admin.end();
    expect(threads.map((t) => ({ ...t }))).toEqual([{ USER: 'event_scheduler', COMMAND: 'Daemon' }]);
    // With no client connected, every count is zero: a Daemon counted would be an ACTIVE session.
    await exporter.waitFor((s) => {
      for (const state of ['ACTIVE', 'SLEEP']) {
        expect(valueOf(s, 'dbsession_tenant_sessions', { target: 'maria', tenant: 'main', state })).toBe(0);
      }
      expect(select(s, 'dbsession_sessions')).toEqual([]);
      expect(select(s, 'dbsession_client_sessions')).toEqual([]);
    });
  });

  it('serves output that promtool accepts, in both formats', async () => {
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (check.error) throw new Error(`promtool is missing (apt-get install prometheus): ${check.error.message}`);
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);

    const plain = await fetch(`${exporter.url}/metrics`);
    expect(plain.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const open = await fetch(`${exporter.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(open.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    // promtool reads only the text format (it rejects valid OpenMetrics): the OpenMetrics rules are checked here.
    const body = await open.text();
    expect(lintOpenMetrics(body)).toEqual([]);
    expect(body).toMatch(/^# TYPE dbsession_scrape_errors counter\ndbsession_scrape_errors_total\{target="maria"\} \d+$/m);
    expect(body).toMatch(/^dbsession_up\{target="maria"\} 1$/m);
    // q=0 refuses OpenMetrics: the text format it is.
    const refused = await fetch(`${exporter.url}/metrics`, { headers: { accept: 'application/openmetrics-text;q=0, text/plain;q=0.1' } });
    expect(refused.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('serves a landing page, health and readiness', async () => {
    const landing = await (await fetch(`${exporter.url}/`)).text();
    expect(landing).toContain('href="./metrics"');
    expect((await fetch(`${exporter.url}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${exporter.url}/-/ready`)).status).toBe(200);
    expect((await fetch(`${exporter.url}/nope`)).status).toBe(404);
  });
});
