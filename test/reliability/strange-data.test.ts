import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getDashboard } from '../appgate/dashboard-client.js';
import { postStatistics, type DbssAnswer } from '../dbss/dbss-client.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { createOceanBaseSchema, obSession, setSessions, setTenants, type ObSessionRow } from '../support/oceanbase-schema.js';
import { parseSamples, select, valueOf } from '../support/prometheus-text.js';

const HOSTILE_TENANT = `te"n\\a\nnt 'ünï' 租户 🎉`;
const NOT_UTF8 = (bytes: number[]) => Buffer.from(bytes);

/** Columns the emulated view declares NOT NULL; a hostile server may still send NULL. */
const NOT_NULL_COLUMNS = {
  SVR_IP: 'varchar(46)',
  SVR_PORT: 'bigint',
  SQL_PORT: 'bigint',
  ID: 'bigint',
  TENANT: 'varchar(128)',
  COMMAND: 'varchar(4096)',
  TIME: 'decimal(38,6)',
} as const;

/** Rows no real OceanBase should send, and every one of them a real possibility after an upgrade or a bug. */
function hostileSessions(): ObSessionRow[] {
  const rows: ObSessionRow[] = [];
  const add = (overrides: Record<string, unknown>) => rows.push(obSession({ TENANT: HOSTILE_TENANT, ID: 1000 + rows.length, ...(overrides as ObSessionRow) }));
  // NULL in every column, and NULL everywhere but the tenant.
  rows.push(Object.fromEntries(Object.keys(obSession({})).map((k) => [k, null])));
  add(Object.fromEntries(Object.keys(obSession({})).filter((k) => k !== 'TENANT').map((k) => [k, null])));
  add({ INFO: `SELECT '${'x'.repeat(1024 * 1024)}' /* \u0000 \uFFFF */` });
  // Bytes that are not UTF-8 where names and addresses go.
  add({ USER: NOT_UTF8([0xc3, 0x28, 0xff, 0xfe]), DB: NOT_UTF8([0x80, 0x81, 0x22, 0x5c]), HOST: NOT_UTF8([0xa0, 0xa1, 0x3a, 0x31]) });
  add({ USER_CLIENT_IP: NOT_UTF8([0xf0, 0x28, 0x8c, 0x28]), HOST: '' });
  for (const host of ['[::1]:3306', '::1', 'fe80::1%eth0:5000', '::ffff:10.0.0.1:4000', '10.0.0.1:99999', '::::', ' ', '"quoted"\\n', '<script>alert(1)</script>', 'h'.repeat(128), 'host\nname:12', '主机:1']) {
    add({ HOST: host, USER_CLIENT_IP: null, COMMAND: 'Query', STATE: 'ACTIVE' });
  }
  for (const time of [-5, -0.5, 0.000001, 1e20]) add({ TIME: time, COMMAND: 'Query', STATE: 'ACTIVE' });
  add({ USER: `u"s\\er\n'x'  `, DB: `d"b\\\n ü`, COMMAND: 'Qüery\n', STATE: 'ÄCTIVE "x"' });
  add({ ID: -1, SVR_PORT: -1, MEMORY_USAGE: '9223372036854775807', TOTAL_CPU_TIME: 1e308, LEVEL: -3, SAMPLE_PERCENTAGE: 1000 });
  // The same session id on another observer.
  add({ ID: 1003, SVR_IP: '10.10.10.9' });
  return rows;
}

async function makeHostile(admin: Connection): Promise<void> {
  await createOceanBaseSchema(admin);
  const table = 'oceanbase.`GV$OB_PROCESSLIST`';
  const nullable = Object.entries(NOT_NULL_COLUMNS).map(([column, type]) => `MODIFY ${column} ${type} NULL`);
  // Binary columns carry any byte, as a server with a broken charset would send them.
  const binary = ['USER varbinary(193)', 'DB varbinary(128)', 'HOST varbinary(128)', 'USER_CLIENT_IP varbinary(46)'].map((c) => `MODIFY ${c} NULL`);
  await admin.query(`ALTER TABLE ${table} ${[...nullable, ...binary].join(', ')}`);
  await setTenants(admin, [
    { TENANT_ID: 1, TENANT_NAME: 'sys', TENANT_TYPE: 'SYS' },
    { TENANT_ID: 1002, TENANT_NAME: HOSTILE_TENANT, TENANT_TYPE: 'USER' },
    { TENANT_ID: 1004, TENANT_NAME: 'a"b\\c', TENANT_TYPE: 'USER', LOCKED: 'YES' },
  ]);
  await setSessions(admin, hostileSessions());
  await admin.query("INSERT INTO oceanbase.CDB_OB_SYS_VARIABLES VALUES (1002, 'max_connections', 'lots'), (1004, 'max_connections', '-1')");
}

function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is needed (it ships with Prometheus: apt-get install prometheus): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A 200 whose body is JSON, and UTF-8 that survives a round trip (no lone surrogates or broken bytes). */
function expectValidJson(answer: { status: number; headers: Headers; body: unknown }): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const text = JSON.stringify(answer.body);
  expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
}

describe('strange data from the database', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  const clients: Connection[] = [];
  const historyDir = mkdtempSync(join(tmpdir(), 'dbsession-strange-history-'));
  /** Sessions of the hostile tenant, as /metrics counts them. */
  let hostileCount = 0;

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await makeHostile(admin);
    // MySQL flavor: a live session of a user and schema whose names need escaping everywhere.
    await admin.query('CREATE DATABASE `we"ird\\db ü`');
    await admin.query(`CREATE USER 'q"uo\\\\te ü'@'%'`);
    await admin.query(`GRANT ALL ON *.* TO 'q"uo\\\\te ü'@'%'`);
    await admin.end();
    clients.push(await db.connect({ user: 'q"uo\\te ü', database: 'we"ird\\db ü' }));
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      targets: [
        { name: 'ob', url: db.url, flavor: 'oceanbase' },
        { name: 'my', url: db.url, flavor: 'mysql', tenant: 'my "tenant"\n\\' },
      ],
      // The DBSS API answers from the history, which then holds the hostile rows too.
      history: { path: historyDir },
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await exporter?.stop();
    await db?.destroy();
    rmSync(historyDir, { recursive: true, force: true });
  });

  it('scrapes both targets without failing on any row', async () => {
    const s = await exporter.waitFor((samples) => {
      expect(valueOf(samples, 'dbsession_up', { target: 'ob' })).toBe(1);
      expect(valueOf(samples, 'dbsession_up', { target: 'my' })).toBe(1);
      return samples;
    });
    const hostile = select(s, 'dbsession_tenant_sessions', { target: 'ob', tenant: HOSTILE_TENANT });
    hostileCount = hostile.map((x) => x.value).reduce((a, b) => a + b, 0);
    expect(hostileCount).toBe(hostileSessions().length - 1);
    expect(valueOf(s, 'dbsession_sessions', { target: 'my', db: 'we"ird\\db ü', user: 'q"uo\\te ü', state: 'SLEEP' })).toBe(1);
    expect(valueOf(s, 'dbsession_max_active_time_seconds', { target: 'ob', tenant: HOSTILE_TENANT })).toBe(1e20);
    expect(exporter.child.exitCode).toBeNull();
  });

  it('produces metrics promtool accepts, in the text format', async () => {
    const response = await fetch(`${exporter.url}/metrics`);
    const text = await response.text();
    const check = promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
    expect(() => parseSamples(text)).not.toThrow();
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });

  it('produces OpenMetrics whose label values are escaped the same way', async () => {
    const response = await fetch(`${exporter.url}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    const text = await response.text();
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      // One sample per line: a raw newline or an unescaped quote in a label value would break this.
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? \S+$/);
    }
  });

  it('answers the session API for the hostile tenant with valid JSON', async () => {
    const response = await fetch(`${exporter.url}/api/v1/tenant/${encodeURIComponent(HOSTILE_TENANT)}/sessions?target=ob&size=1000`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { contents: { host: string }[] } };
    expect(body.data.contents).toHaveLength(hostileSessions().length - 1);
  });

  it('answers the DBSS distribution for the hostile tenant with valid JSON, by client and by account', async () => {
    const ask = (kind: 'db-client' | 'db-account'): Promise<DbssAnswer> =>
      postStatistics(exporter.url, { project: 'ob', instance: HOSTILE_TENANT, kind, body: { time: { time_range: 'HOUR' } } });
    const sessionsIn = (answer: DbssAnswer) => (answer.body as { session_num: number }[]).reduce((sum, item) => sum + item.session_num, 0);
    // Recorded once a scrape has been written to the history.
    const byClient = await eventually(async () => {
      const answer = await ask('db-client');
      expect(sessionsIn(answer)).toBeGreaterThan(0);
      return answer;
    });
    expectValidJson(byClient);
    const byAccount = await ask('db-account');
    expectValidJson(byAccount);
    // Quotes, a backslash and a newline come through JSON unharmed (trailing blanks may be trimmed).
    expect((byAccount.body as { db_user: string }[]).map((item) => item.db_user)).toContainEqual(expect.stringMatching(/^u"s\\er\n'x' *$/));
    // Both group the same sessions, each counted once.
    expect(sessionsIn(byAccount)).toBe(sessionsIn(byClient));
  });

  it('answers the Appgate dashboard with valid JSON, for the hostile tenant and for everything', async () => {
    const tenant = await getDashboard(exporter.url, `/stats/active-sessions/dashboard?target=ob&tenant=${encodeURIComponent(HOSTILE_TENANT)}`);
    expectValidJson(tenant);
    expect((tenant.body as { totalCount: number }).totalCount).toBe(hostileCount);
    const everything = await getDashboard(exporter.url, '/stats/active-sessions/dashboard');
    expectValidJson(everything);
    expect((everything.body as { totalCount: number }).totalCount).toBeGreaterThan(hostileCount);
  });
});
