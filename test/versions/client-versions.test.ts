import { createRequire } from 'node:module';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { obSession } from '../support/oceanbase-schema.js';
import { select, valueOf, type Sample } from '../support/prometheus-text.js';
import { dashboardOf } from '../appgate/dashboard-client.js';
import { emulateOceanBase } from '../appgate/emulated-oceanbase.js';

const MYSQL2_VERSION: string = createRequire(import.meta.url)('mysql2/package.json').version;

const RULES = [
  { column: 'client_info', pattern: 'client=(?<client>[\\w-]+)/(?<version>[^;]+)' },
  { column: 'module', pattern: '^(?<client>[\\w-]+) v(?<version>\\S+)$' },
  { column: 'action', pattern: '^(?<client>[\\w-]+)@(?<version>\\S+)$' },
];

const FIRST_POLICY = {
  default: {},
  clients: {
    'Node-MySQL-2': { full: '>=1.0.0' },
    'custom-app': { full: '>=2.0.0', partial: '^1.4.0' },
    'billing-svc': { full: '>=3.0.0' },
    reporter: { partial: '2.x' },
  },
};

/** The application columns OceanBase sessions carry, one rule each, and one row two rules match. */
const OB_ROWS = [
  obSession({ ID: 3221800001, MODULE: 'billing-svc v3.1.0' }),
  obSession({ ID: 3221800002, MODULE: 'billing-svc v2.9.9' }),
  obSession({ ID: 3221800003, ACTION: 'reporter@2.0' }),
  obSession({ ID: 3221800004, CLIENT_INFO: 'client=billing-svc/3.2.0', MODULE: 'reporter v2.0.0' }),
  obSession({ ID: 3221800005, MODULE: 'nonsense', ACTION: 'checkout' }),
];

describe('client versions from real connect attributes and from OceanBase application columns', () => {
  /** performance_schema on: connect attributes readable. */
  let withAttributes: TestDatabase;
  /** performance_schema off (MariaDB's default): no connect attributes; also hosts the emulated OceanBase views. */
  let withoutAttributes: TestDatabase;
  let exporter: ExporterProcess;
  const clients: Connection[] = [];
  const config = (policy: object) => ({
    scrape_interval: '1s',
    targets: [
      { name: 'my', url: withAttributes.url, flavor: 'mysql' },
      { name: 'plain', url: withoutAttributes.url, flavor: 'mysql' },
      { name: 'ob', url: withoutAttributes.url, flavor: 'oceanbase' },
    ],
    client_versions: { rules: RULES, policy },
  });
  const versionSessions = (s: Sample[], labels: Record<string, string>) => valueOf(s, 'dbsession_client_version_sessions', labels);

  beforeAll(async () => {
    [withAttributes, withoutAttributes] = await Promise.all([
      startTestDatabase(),
      startTestDatabase({ serverArgs: ['--performance-schema=OFF'] }),
    ]);
    await emulateOceanBase(withoutAttributes, OB_ROWS);
    clients.push(await withAttributes.connect());
    clients.push(await withAttributes.connect({ connectAttributes: { _client_name: 'custom-app', _client_version: '1.4.2-hotfix' } }));
    clients.push(await withAttributes.connect({ connectAttributes: { _client_name: 'custom-app', _client_version: 'nightly' } }));
    clients.push(await withoutAttributes.connect());
    exporter = await startExporterProcess(config(FIRST_POLICY));
  });

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all(clients.map((c) => c.end()));
    await Promise.all([withAttributes?.destroy(), withoutAttributes?.destroy()]);
  });

  it('reads what the driver announced and judges it by the policy', async () => {
    const s = await exporter.waitFor((samples) => {
      expect(valueOf(samples, 'dbsession_up', { target: 'ob' })).toBe(1);
      expect(select(samples, 'dbsession_client_version_sessions', { target: 'my' })).toHaveLength(3);
      return samples;
    });
    const my = { target: 'my', tenant: 'my' };
    expect(versionSessions(s, { ...my, client: 'Node-MySQL-2', version: MYSQL2_VERSION, support: 'full' })).toBe(1);
    // "1.4.2-hotfix" is judged as release 1.4.2; a version without a number cannot be judged.
    expect(versionSessions(s, { ...my, client: 'custom-app', version: '1.4.2-hotfix', support: 'partial' })).toBe(1);
    expect(versionSessions(s, { ...my, client: 'custom-app', version: 'nightly', support: 'unknown' })).toBe(1);
  });

  it('reports unknown, never an error, where the server keeps no connect attributes', async () => {
    const s = await exporter.samples();
    expect(valueOf(s, 'dbsession_up', { target: 'plain' })).toBe(1);
    const plain = select(s, 'dbsession_client_version_sessions', { target: 'plain' });
    expect(plain.length).toBeGreaterThan(0);
    for (const sample of plain) expect(sample.labels).toMatchObject({ client: 'unknown', version: 'unknown', support: 'unknown' });
  });

  it('applies the OceanBase rules in order, each on its column', async () => {
    const s = await exporter.samples();
    const ob = { target: 'ob', tenant: 't1' };
    expect(versionSessions(s, { ...ob, client: 'billing-svc', version: '3.1.0', support: 'full' })).toBe(1);
    expect(versionSessions(s, { ...ob, client: 'billing-svc', version: '2.9.9', support: 'none' })).toBe(1);
    expect(versionSessions(s, { ...ob, client: 'reporter', version: '2.0', support: 'partial' })).toBe(1);
    // CLIENT_INFO's rule comes first, so MODULE's "reporter v2.0.0" is not read for this row.
    expect(versionSessions(s, { ...ob, client: 'billing-svc', version: '3.2.0', support: 'full' })).toBe(1);
    expect(versionSessions(s, { ...ob, client: 'unknown', version: 'unknown', support: 'unknown' })).toBe(1);
  });

  it('leaves unknown support out of the dashboard versions', async () => {
    const dashboard = await dashboardOf(exporter.url, '/stats/active-sessions/dashboard');
    expect(dashboard.versions).toEqual({
      'billing-svc/3.1.0': { supportStatus: 'full', sessionCount: 1 },
      'billing-svc/3.2.0': { supportStatus: 'full', sessionCount: 1 },
      'billing-svc/2.9.9': { supportStatus: 'none', sessionCount: 1 },
      'reporter/2.0': { supportStatus: 'partial', sessionCount: 1 },
      [`Node-MySQL-2/${MYSQL2_VERSION}`]: { supportStatus: 'full', sessionCount: 1 },
      'custom-app/1.4.2-hotfix': { supportStatus: 'partial', sessionCount: 1 },
    });
  });

  it('re-judges sessions when a reload changes the policy', async () => {
    exporter.writeConfig(config({ clients: { 'Node-MySQL-2': { full: '>=99.0.0' }, 'custom-app': { full: '>=1.0.0' } } }));
    expect((await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    await exporter.waitFor((s) => {
      const my = { target: 'my', tenant: 'my' };
      expect(versionSessions(s, { ...my, client: 'Node-MySQL-2', version: MYSQL2_VERSION, support: 'none' })).toBe(1);
      expect(versionSessions(s, { ...my, client: 'custom-app', version: '1.4.2-hotfix', support: 'full' })).toBe(1);
      // No policy names billing-svc now, and there is no default.
      expect(versionSessions(s, { target: 'ob', tenant: 't1', client: 'billing-svc', version: '3.1.0', support: 'unknown' })).toBe(1);
    });
  });

  it('refuses a reload with a rule or range it cannot use, naming the key and line', async () => {
    exporter.writeConfig(
      [
        'targets:',
        `  - { name: my, url: "${withAttributes.url}" }`,
        'client_versions:',
        '  rules:',
        '    - column: module',
        "      pattern: '^(?<client>\\w+) (\\S+)$'",
        '  policy:',
        '    clients:',
        '      custom-app: { full: ">=1.0.0 <" }',
      ].join('\n'),
    );
    const response = await fetch(`${exporter.url}/-/reload`, { method: 'POST' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toMatch(/:6: client_versions\.rules\[0\]\.pattern: needs the named group \(\?<version>\.\.\.\)/);
    expect(text).toMatch(/:9: client_versions\.policy\.clients\.custom-app\.full: ">=1\.0\.0 <" is not a semver range/);
  });
});
