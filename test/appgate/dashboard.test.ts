import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { freePort, startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { obSession } from '../support/oceanbase-schema.js';
import { emulateOceanBase } from './emulated-oceanbase.js';
import { select, valueOf } from '../support/prometheus-text.js';
import { POINTS, cityDatabase, replaceDatabase } from './city-database.js';
import { dashboardOf, eventually, expectAppgateError, getDashboard } from './dashboard-client.js';

const MYSQL2_VERSION: string = createRequire(import.meta.url)('mysql2/package.json').version;
const DASHBOARD = '/stats/active-sessions/dashboard';

/** The seed's example1, to compare shapes with. */
const SEED_EXAMPLE = {
  totalCount: 6,
  geoIpData: [
    { sessionCount: 3, latitude: 55.8667, longitude: 12.8333, countryCode: 'SE', continentCode: 'EU', ips: ['192.0.2.1', '192.0.2.2'] },
  ],
  versions: { '6.0.0-release-1234': { supportStatus: 'full', sessionCount: 3 } },
};

/** Keys and JSON types, recursively; arrays by their first element. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return [shapeOf(value[0])];
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, shapeOf(v)]));
  }
  return Number.isInteger(value) ? 'integer' : typeof value;
}

const CLIENT_VERSIONS = {
  rules: [
    { column: 'client_info', pattern: 'client=(?<client>[\\w-]+)/(?<version>[^;]+)' },
    { column: 'module', pattern: '^(?<client>obclient) (?<version>\\S+)$' },
  ],
  policy: {
    default: { partial: '>=1.0.0' },
    clients: {
      'ob-jdbc': { full: '>=2.4.0', partial: '>=2.2.0 <2.4.0' },
      obclient: { full: '>=2.2.0' },
      'Node-MySQL-2': { full: `>=${MYSQL2_VERSION.split('.')[0]}.0.0` },
      'custom-app': { full: '>=1.0.0', partial: '0.9.x' },
    },
  },
};

/** Emulated OceanBase sessions: public IPv4 and IPv6 clients, private and unplaced ones, versions in CLIENT_INFO and MODULE. */
const OB_ROWS = [
  obSession({ ID: 3221600001, USER_CLIENT_IP: '81.2.69.142', CLIENT_INFO: 'client=ob-jdbc/2.4.3' }),
  obSession({ ID: 3221600002, USER_CLIENT_IP: '81.2.69.142', CLIENT_INFO: 'app=orders;client=ob-jdbc/2.4.3', COMMAND: 'Query', STATE: 'ACTIVE' }),
  obSession({ ID: 3221600003, USER_CLIENT_IP: '81.2.69.143', CLIENT_INFO: 'client=ob-jdbc/2.2.1' }),
  obSession({ ID: 3221600004, USER_CLIENT_IP: '89.160.20.112', CLIENT_INFO: 'client=ob-jdbc/2.0.0' }),
  obSession({ ID: 3221600005, USER_CLIENT_IP: '2001:218::5', MODULE: 'obclient 2.2.0' }),
  obSession({ ID: 3221600006, USER_CLIENT_IP: '10.10.10.100' }),
  obSession({ ID: 3221600007, USER_CLIENT_IP: '2001:db8::7' }),
  obSession({ ID: 3221600008, USER_CLIENT_IP: '9.9.9.9', CLIENT_INFO: 'client=ob-jdbc/2.4.3' }),
  obSession({ ID: 3221600009, TENANT: 't2', USER_CLIENT_IP: '216.160.83.57', CLIENT_INFO: 'client=ob-odbc/1.0' }),
  obSession({ ID: 3221600010, TENANT: 'META$1002', USER_CLIENT_IP: '81.2.69.142' }),
];

describe('Appgate active-sessions dashboard against real sessions', () => {
  let db: TestDatabase;
  /** The MySQL target on a server of its own: the OceanBase target's connections would be its sessions too. */
  let mysqlDb: TestDatabase;
  let exporter: ExporterProcess;
  let dir: string;
  let geoPath: string;
  const clients: Connection[] = [];
  const config = (extra: object = {}) => ({
    scrape_interval: '1s',
    targets: [
      { name: 'ob', url: db.url, flavor: 'oceanbase' },
      { name: 'my', url: mysqlDb.url, flavor: 'mysql' },
    ],
    geoip: { database: geoPath },
    client_versions: CLIENT_VERSIONS,
    ...extra,
  });

  async function reload(): Promise<Response> {
    return fetch(`${exporter.url}/-/reload`, { method: 'POST' });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'appgate-dashboard-'));
    geoPath = join(dir, 'GeoLite2-City.mmdb');
    await writeFile(geoPath, cityDatabase());
    [db, mysqlDb] = await Promise.all([startTestDatabase(), startTestDatabase()]);
    await emulateOceanBase(db, OB_ROWS);
    // Real clients of the MySQL target: mysql2 as it announces itself, and one that renames itself.
    clients.push(await mysqlDb.connect());
    clients.push(await mysqlDb.connect({ connectAttributes: { _client_name: 'custom-app', _client_version: '0.9.1-beta' } }));
    exporter = await startExporterProcess(config());
  });

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all(clients.map((c) => c.end()));
    await Promise.all([db?.destroy(), mysqlDb?.destroy()]);
  });

  it('answers the seed shape over every target, private addresses counted but off the map', async () => {
    const dashboard = await eventually(async () => {
      const d = await dashboardOf(exporter.url, DASHBOARD);
      expect(d.totalCount).toBe(11);
      return d;
    });
    expect(dashboard.geoIpData).toEqual([
      { sessionCount: 3, ...POINTS.GB, ips: ['81.2.69.142', '81.2.69.143'] },
      { sessionCount: 1, ...POINTS.JP, ips: ['2001:218::5'] },
      { sessionCount: 1, ...POINTS.SE, ips: ['89.160.20.112'] },
      { sessionCount: 1, ...POINTS.US, ips: ['216.160.83.57'] },
    ]);
    expect(dashboard.versions).toEqual({
      'ob-jdbc/2.4.3': { supportStatus: 'full', sessionCount: 3 },
      [`Node-MySQL-2/${MYSQL2_VERSION}`]: { supportStatus: 'full', sessionCount: 1 },
      'custom-app/0.9.1-beta': { supportStatus: 'partial', sessionCount: 1 },
      'ob-jdbc/2.0.0': { supportStatus: 'none', sessionCount: 1 },
      'ob-jdbc/2.2.1': { supportStatus: 'partial', sessionCount: 1 },
      'ob-odbc/1.0': { supportStatus: 'partial', sessionCount: 1 },
      'obclient/2.2.0': { supportStatus: 'full', sessionCount: 1 },
    });
    expect(Object.keys(dashboard.versions)[0]).toBe('ob-jdbc/2.4.3');
    // Same keys and JSON types as the seed's example, every map entry and every version entry alike.
    const seedShape = shapeOf({ ...SEED_EXAMPLE, versions: { any: SEED_EXAMPLE.versions['6.0.0-release-1234'] } });
    for (const point of dashboard.geoIpData) {
      for (const entry of Object.values(dashboard.versions)) {
        expect(shapeOf({ ...dashboard, geoIpData: [point], versions: { any: entry } })).toEqual(seedShape);
      }
    }
  });

  it('publishes the same geography and versions as metrics', async () => {
    const s = await exporter.samples();
    const ob = { target: 'ob', tenant: 't1' };
    expect(valueOf(s, 'dbsession_country_sessions', { ...ob, country: 'GB', continent: 'EU' })).toBe(3);
    expect(valueOf(s, 'dbsession_country_sessions', { ...ob, country: 'JP', continent: 'AS' })).toBe(1);
    expect(valueOf(s, 'dbsession_country_sessions', { ...ob, country: 'private', continent: 'private' })).toBe(2);
    expect(valueOf(s, 'dbsession_country_sessions', { ...ob, country: 'unknown', continent: 'unknown' })).toBe(1);
    expect(valueOf(s, 'dbsession_country_sessions', { target: 'ob', tenant: 't2', country: 'US', continent: 'NA' })).toBe(1);
    expect(valueOf(s, 'dbsession_country_sessions', { target: 'my', country: 'private' })).toBe(2);
    expect(valueOf(s, 'dbsession_client_sessions', { ...ob, client_ip: '2001:218::5', country: 'JP' })).toBe(1);
    expect(valueOf(s, 'dbsession_client_sessions', { ...ob, client_ip: '9.9.9.9', country: 'unknown' })).toBe(1);
    const version = (labels: Record<string, string>) => valueOf(s, 'dbsession_client_version_sessions', labels);
    expect(version({ ...ob, client: 'ob-jdbc', version: '2.4.3', support: 'full' })).toBe(3);
    expect(version({ ...ob, client: 'obclient', version: '2.2.0', support: 'full' })).toBe(1);
    expect(version({ ...ob, client: 'unknown', version: 'unknown', support: 'unknown' })).toBe(2);
    expect(version({ target: 'my', client: 'Node-MySQL-2', version: MYSQL2_VERSION, support: 'full' })).toBe(1);
    expect(version({ target: 'my', client: 'custom-app', version: '0.9.1-beta', support: 'partial' })).toBe(1);
  });

  it('narrows to a target and a tenant by query, path prefix or the /admin path', async () => {
    const t2 = await dashboardOf(exporter.url, `${DASHBOARD}?target=ob&tenant=t2`);
    expect(t2).toEqual({
      totalCount: 1,
      geoIpData: [{ sessionCount: 1, ...POINTS.US, ips: ['216.160.83.57'] }],
      versions: { 'ob-odbc/1.0': { supportStatus: 'partial', sessionCount: 1 } },
    });
    expect(await dashboardOf(exporter.url, '/targets/ob/stats/active-sessions/dashboard?tenant=t2')).toEqual(t2);
    expect(await dashboardOf(exporter.url, '/admin/stats/active-sessions/dashboard?target=ob&tenant=t2')).toEqual(t2);
    expect(await dashboardOf(exporter.url, '/targets/ob/admin/stats/active-sessions/dashboard?tenant=t2')).toEqual(t2);
    const my = await dashboardOf(exporter.url, `${DASHBOARD}?target=my`);
    expect(my.totalCount).toBe(2);
    expect(my.geoIpData).toEqual([]);
    expect((await dashboardOf(exporter.url, `${DASHBOARD}?tenant=t1`)).totalCount).toBe(8);
  });

  it('negotiates Accept: JSON and wildcards, the Appgate peer type echoed, anything else 406', async () => {
    const peer = await getDashboard(exporter.url, DASHBOARD, { Accept: 'application/vnd.appgate.peer-v18+json' });
    expect(peer.status).toBe(200);
    expect(peer.headers.get('content-type')).toMatch(/^application\/vnd\.appgate\.peer-v18\+json/);
    for (const accept of ['application/json', '*/*', 'text/html, application/*;q=0.1']) {
      const answer = await getDashboard(exporter.url, DASHBOARD, { Accept: accept });
      expect(answer.status, accept).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expectAppgateError(await getDashboard(exporter.url, DASHBOARD, { Accept: 'text/html' }), 406, 'not_acceptable');
  });

  it('answers 400 for bad parameters and 404 for unknown targets, tenants and paths, as {id, message}', async () => {
    const cases: [string, number, string][] = [
      [`${DASHBOARD}?target=ob&target=my`, 400, 'bad_request'],
      [`${DASHBOARD}?target=`, 400, 'bad_request'],
      [`${DASHBOARD}?tennant=t1`, 400, 'bad_request'],
      ['/targets/ob/stats/active-sessions/dashboard?target=my', 400, 'bad_request'],
      [`${DASHBOARD}?target=nope`, 404, 'not_found'],
      ['/targets/nope/stats/active-sessions/dashboard', 404, 'not_found'],
      [`${DASHBOARD}?target=ob&tenant=nope`, 404, 'not_found'],
      [`${DASHBOARD}?tenant=nope`, 404, 'not_found'],
      ['/stats/active-sessions/other', 404, 'not_found'],
    ];
    for (const [path, status, id] of cases) expectAppgateError(await getDashboard(exporter.url, path), status, id);
    const post = await fetch(`${exporter.url}${DASHBOARD}`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('requires a bearer token once a tokens file is configured, and holds scoped tokens to their targets', async () => {
    const tokensPath = join(dir, 'dashboard-tokens');
    await writeFile(tokensPath, '# dashboard readers\nreads-all\nreads-ob ob\nreads-t2 ob/t2\n');
    exporter.writeConfig(config({ auth: { dashboard: { tokens_file: tokensPath } } }));
    expect((await reload()).status).toBe(200);
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    const missing = await getDashboard(exporter.url, DASHBOARD);
    expectAppgateError(missing, 401, 'unauthorized');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="db-session-exporter"');
    const wrong = await getDashboard(exporter.url, DASHBOARD, bearer('reads-al'));
    expectAppgateError(wrong, 401, 'unauthorized');
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(JSON.stringify(wrong.body)).not.toContain('reads-al');

    expect((await dashboardOf(exporter.url, DASHBOARD, bearer('reads-all'))).totalCount).toBe(11);
    expect((await dashboardOf(exporter.url, `${DASHBOARD}?target=ob`, bearer('reads-ob'))).totalCount).toBe(9);
    expect((await dashboardOf(exporter.url, '/targets/ob/admin/stats/active-sessions/dashboard', bearer('reads-ob'))).totalCount).toBe(9);
    expect((await dashboardOf(exporter.url, `${DASHBOARD}?target=ob&tenant=t2`, bearer('reads-t2'))).totalCount).toBe(1);
    expectAppgateError(await getDashboard(exporter.url, DASHBOARD, bearer('reads-ob')), 403, 'forbidden');
    expectAppgateError(await getDashboard(exporter.url, `${DASHBOARD}?target=my`, bearer('reads-ob')), 403, 'forbidden');
    expectAppgateError(await getDashboard(exporter.url, `${DASHBOARD}?target=ob`, bearer('reads-t2')), 403, 'forbidden');
    // A scoped token learns nothing about targets it may not read.
    expectAppgateError(await getDashboard(exporter.url, `${DASHBOARD}?target=nope`, bearer('reads-ob')), 403, 'forbidden');
    expect(exporter.logs()).toMatch(/"api":"dashboard".*"reason":"unknown token"/);
    expect(exporter.logs()).not.toContain('reads-al"');
  });

  it('re-reads the tokens file on reload, and keeps the old tokens when the new file is broken', async () => {
    const tokensPath = join(dir, 'dashboard-tokens');
    await writeFile(tokensPath, 'rotated\n');
    expect((await reload()).status).toBe(200);
    expect((await dashboardOf(exporter.url, DASHBOARD, { Authorization: 'Bearer rotated' })).totalCount).toBe(11);
    expectAppgateError(await getDashboard(exporter.url, DASHBOARD, { Authorization: 'Bearer reads-all' }), 401, 'unauthorized');

    await writeFile(tokensPath, 'rotated ob/\n');
    const failed = await reload();
    expect(failed.status).toBe(500);
    expect(await failed.text()).toMatch(/line 1: "ob\/" is not a scope/);
    expect((await dashboardOf(exporter.url, DASHBOARD, { Authorization: 'Bearer rotated' })).totalCount).toBe(11);
  });

  it('moves clients to their new country when the GeoIP file is replaced, with no failed scrape', async () => {
    exporter.writeConfig(config());
    expect((await reload()).status).toBe(200);
    const errorsBefore = valueOf(await exporter.samples(), 'dbsession_scrape_errors_total', { target: 'ob' });
    await replaceDatabase(geoPath, cityDatabase('FR'));
    await eventually(async () => {
      const s = await exporter.samples();
      expect(valueOf(s, 'dbsession_country_sessions', { target: 'ob', tenant: 't1', country: 'FR', continent: 'EU' })).toBe(3);
      expect(select(s, 'dbsession_country_sessions', { target: 'ob', country: 'GB' })).toEqual([]);
      const dashboard = await dashboardOf(exporter.url, DASHBOARD);
      expect(dashboard.geoIpData[0]).toEqual({ sessionCount: 3, ...POINTS.FR, ips: ['81.2.69.142', '81.2.69.143'] });
    });
    const s = await exporter.samples();
    expect(valueOf(s, 'dbsession_scrape_errors_total', { target: 'ob' })).toBe(errorsBefore);
    expect(valueOf(s, 'dbsession_up', { target: 'ob' })).toBe(1);
  });

  it('refuses a reload to a GeoIP file that does not open, and switches on a reload to one that does', async () => {
    exporter.writeConfig({ ...config(), geoip: { database: join(dir, 'missing.mmdb') } });
    const failed = await reload();
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain('missing.mmdb');
    expect((await dashboardOf(exporter.url, DASHBOARD)).geoIpData[0]?.countryCode).toBe('FR');

    const otherPath = join(dir, 'GeoLite2-City-2.mmdb');
    await writeFile(otherPath, cityDatabase('GB'));
    exporter.writeConfig({ ...config(), geoip: { database: otherPath } });
    expect((await reload()).status).toBe(200);
    await eventually(async () => expect((await dashboardOf(exporter.url, DASHBOARD)).geoIpData[0]?.countryCode).toBe('GB'));
  });

  it('answers 503 while a target it covers is down', async () => {
    const nothingThere = `mysql://root@127.0.0.1:${await freePort()}`;
    exporter.writeConfig({ ...config(), targets: [...config().targets, { name: 'gone', url: nothingThere }] });
    expect((await reload()).status).toBe(200);
    await exporter.waitFor((s) => expect(valueOf(s, 'dbsession_up', { target: 'gone' })).toBe(0));
    const all = await getDashboard(exporter.url, DASHBOARD);
    expectAppgateError(all, 503, 'service_unavailable');
    expect((all.body as { message: string }).message).toContain('"gone"');
    expectAppgateError(await getDashboard(exporter.url, `${DASHBOARD}?target=gone`), 503, 'service_unavailable');
    expect((await dashboardOf(exporter.url, `${DASHBOARD}?target=ob`)).totalCount).toBe(9);
  });

  it('makes a client that keeps guessing tokens wait, whatever token it then sends', async () => {
    const tokensPath = join(dir, 'dashboard-tokens');
    await writeFile(tokensPath, 'rotated\n');
    exporter.writeConfig(config({ auth: { dashboard: { tokens_file: tokensPath } } }));
    expect((await reload()).status).toBe(200);
    const statuses: number[] = [];
    for (let guess = 0; guess < 25 && !statuses.includes(429); guess++) {
      statuses.push((await getDashboard(exporter.url, `${DASHBOARD}?target=ob`, { Authorization: `Bearer guess-${guess}` })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
    const limited = await getDashboard(exporter.url, `${DASHBOARD}?target=ob`, { Authorization: 'Bearer rotated' });
    expectAppgateError(limited, 429, 'too_many_requests');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(exporter.logs()).toContain('client reached the failure limit');
  });
});
