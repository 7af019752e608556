import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUMENTS, NOT_PUSHED } from '../../src/otel/instruments.js';
import { VERSION } from '../../src/version.js';
import { REPO_ROOT, startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { OB_SESSIONS, seedOceanBase, setSessions } from '../support/oceanbase-schema.js';
import {
  CUMULATIVE,
  declaredFamilies,
  descriptionMismatches,
  disagreements,
  documentedInstruments,
  instrumentLines,
  latest,
  silentInstruments,
} from './agreement.js';
import { pointsNamed, startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

const TOKEN = 'otlp-token-5f1c9e';
const FILE_SECRET = 'tenant-from-file-8d2a';

/** OTLP/HTTP protobuf from the real exporter process, against OceanBase views emulated in MariaDB. */
describe('OTLP push (http/protobuf) of an emulated OceanBase cluster', () => {
  let db: TestDatabase;
  let admin: Connection;
  let receiver: OtlpReceiver;
  let exporter: ExporterProcess;
  let port: string;

  beforeAll(async () => {
    db = await startTestDatabase();
    admin = await db.connect();
    await seedOceanBase(admin);
    receiver = await startOtlpReceiver();
    const secretFile = join(mkdtempSync(join(tmpdir(), 'otlp-secret-')), 'scope');
    writeFileSync(secretFile, `${FILE_SECRET}\n`);
    // Inherited by the exporter process, where ${OTLP_TEST_TOKEN} expands.
    process.env.OTLP_TEST_TOKEN = TOKEN;
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      otlp: {
        endpoint: receiver.url,
        interval: '1s',
        headers: { authorization: 'Bearer ${OTLP_TEST_TOKEN}' },
        headers_files: { 'x-scope-orgid': secretFile },
      },
    });
    port = new URL(exporter.url).port;
  });

  afterAll(async () => {
    delete process.env.OTLP_TEST_TOKEN;
    await exporter?.stop();
    await receiver?.close();
    await admin?.end();
    await db?.destroy();
  });

  it('pushes the same numbers /metrics serves, for every label set', async () => {
    await exporter.waitFor((s) => expect(s.find((x) => x.name === 'dbsession_up')?.value).toBe(1));
    // The emulated rows do not change between scrapes, so any two snapshots carry the same numbers.
    const exported = await receiver.waitFor(async () => {
      const exported = latest(receiver.accepted());
      expect(pointsNamed(exported, 'db.client.session.count').length).toBeGreaterThan(0);
      expect(disagreements(exported, await exporter.samples())).toEqual([]);
      return exported;
    });
    const t1Active = pointsNamed(exported, 'db.client.session.tenant.count').find(
      (p) => p.attributes.tenant === 't1' && p.attributes.state === 'ACTIVE',
    );
    expect(t1Active?.value).toBe(2);
    const maxTime = pointsNamed(exported, 'db.client.session.active_time.max').find((p) => p.attributes.tenant === 't2');
    expect(maxTime?.value).toBe(3600.5);
  });

  it('describes every instrument with its unit and type as documented, and the exporter as the resource', async () => {
    const exported = latest(receiver.accepted());
    expect(descriptionMismatches(exported, CUMULATIVE)).toEqual([]);
    // OceanBase has no PROCESS privilege to report (the MySQL tests see that one); every other instrument arrived.
    expect(silentInstruments(exported)).toEqual(['dbsession.process_privilege']);
    expect(documentedInstruments()).toEqual(instrumentLines());
    expect(pointsNamed(exported, 'dbsession.target.up')).toMatchObject([{ attributes: { target: 'ob' }, value: 1 }]);
    expect(pointsNamed(exported, 'dbsession.scrape.duration')).toHaveLength(1);
    expect(exported.resource).toMatchObject({
      'service.name': 'db-session-exporter',
      'service.version': VERSION,
      'service.instance.id': `${hostname()}:${port}`,
    });
    expect(exported.scope).toEqual({ name: 'db-session-exporter', version: VERSION });
    expect(exported.contentType).toBe('application/x-protobuf');
  });

  it('pushes every dbsession_* family /metrics serves, or leaves it out on purpose', async () => {
    const families = declaredFamilies(await (await fetch(`${exporter.url}/metrics`)).text(), 'dbsession_');
    const pushed = INSTRUMENTS.map((spec) => spec.prometheus);
    // Both ways: no family forgotten, and no instrument or exclusion naming a family that is not served.
    expect([...families].sort()).toEqual([...pushed, ...Object.keys(NOT_PUSHED)].sort());
    const documented = readFileSync(join(REPO_ROOT, 'docs/opentelemetry.md'), 'utf8');
    expect(Object.keys(NOT_PUSHED).filter((family) => !documented.includes(`\`${family}\``))).toEqual([]);
  });

  it('sends the configured headers, from the environment and from a file, and never logs them', () => {
    const { headers } = latest(receiver.accepted());
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['x-scope-orgid']).toBe(FILE_SECRET);
    expect(exporter.logs()).toMatch(/OTLP push started/);
    expect(exporter.logs()).not.toContain(TOKEN);
    expect(exporter.logs()).not.toContain(FILE_SECRET);
  });

  it('drops the attribute sets of closed sessions at the next export', async () => {
    const before = latest(receiver.accepted());
    expect(pointsNamed(before, 'db.client.session.count').some((p) => p.attributes.tenant === 't2')).toBe(true);
    // Every t2 session ends (as does the 10.10.10.101 client's t1 session).
    await setSessions(admin, OB_SESSIONS.filter((row) => row.TENANT !== 't2' && row.USER_CLIENT_IP !== '10.10.10.101'));
    const after = await receiver.waitFor(() => {
      const exported = latest(receiver.accepted());
      expect(pointsNamed(exported, 'db.client.session.count').some((p) => p.attributes.tenant === 't2')).toBe(false);
      return exported;
    });
    expect(pointsNamed(after, 'db.client.session.client.count').filter((p) => p.attributes.client_ip === '10.10.10.101')).toEqual([]);
    expect(pointsNamed(after, 'db.client.session.observer.count').filter((p) => p.attributes.svr_ip === '10.10.10.2')).toEqual([]);
    // The tenant still exists: zero-filled, as on /metrics.
    expect(pointsNamed(after, 'db.client.session.tenant.count').filter((p) => p.attributes.tenant === 't2').map((p) => p.value)).toEqual([0, 0]);
    await receiver.waitFor(async () => expect(disagreements(latest(receiver.accepted()), await exporter.samples())).toEqual([]));
  });

  it('counts no export failure while the collector accepts', async () => {
    const s = await exporter.samples();
    expect(s.find((x) => x.name === 'dbsession_otlp_export_failures_total')?.value).toBe(0);
  });
});
