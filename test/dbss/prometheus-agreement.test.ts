import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../appgate/dashboard-client.js';
import { startPrometheus, type PrometheusServer } from '../e2e/prometheus.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { freePort, startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { OB_TENANTS, createOceanBaseSchema, obSession, setSessions, setTenants, type ObSessionRow } from '../support/oceanbase-schema.js';
import { startForwarder, type Forwarder } from './forwarder.js';
import { accountItems, between, clientItems, expectDbssError, postStatistics, sleep, summary, type StatisticsRequest } from './dbss-client.js';

/** The test Prometheus's storage retention, which an exporter without history.retention asks for. */
const STORE_RETENTION_DAYS = 45;

/** Long enough that every change is seen by the exporter and by Prometheus (1 s each) well before the windows' ends. */
const PHASE_MS = 8000;

/** The workload: emulated OceanBase sessions of tenant t1 (and one of t2), by name. */
const SESSIONS: Record<string, ObSessionRow> = {
  s1: obSession({ ID: 3221600001, USER: 'app', DB: 'shop', USER_CLIENT_IP: '198.51.100.1' }),
  s2: obSession({ ID: 3221600002, USER: 'app', DB: 'shop', USER_CLIENT_IP: '198.51.100.1' }),
  s3: obSession({ ID: 3221600003, USER: 'root', DB: 'test', USER_CLIENT_IP: '198.51.100.2' }),
  s4: obSession({ ID: 3221600004, TENANT: 't2', USER: 'batch', DB: 'dw', USER_CLIENT_IP: '10.0.0.9' }),
  s5: obSession({ ID: 3221600005, USER: 'app', DB: 'shop', USER_CLIENT_IP: '198.51.100.1' }),
  s6: obSession({ ID: 3221600006, USER: 'report', DB: null, USER_CLIENT_IP: '198.51.100.3' }),
  s8: obSession({ ID: 3221600008, USER: 'root', DB: 'test', USER_CLIENT_IP: '198.51.100.2' }),
  s9: obSession({ ID: 3221600009, USER: 'app', DB: 'shop', USER_CLIENT_IP: '198.51.100.4' }),
  s10: obSession({ ID: 3221600010, SVR_IP: '10.10.10.2', USER: 'app', DB: 'shop', USER_CLIENT_IP: '198.51.100.1' }),
};

describe('the embedded store and the Prometheus-backed mode agree on one workload', () => {
  let db: TestDatabase;
  let admin: Connection;
  let recording: ExporterProcess | undefined;
  let prometheus: PrometheusServer;
  let reading: ExporterProcess;
  let dir: string;
  let forwarder: Forwarder;
  /** When each phase's sessions were in place. */
  const changes: number[] = [];

  const recordingConfig = () => ({
    scrape_interval: '1s',
    targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
    history: { path: join(dir, 'history') },
  });
  const startRecording = async () => {
    recording = await startExporterProcess(recordingConfig());
    forwarder.to(Number(new URL(recording.url).port));
  };

  async function phase(...names: string[]): Promise<void> {
    await setSessions(admin, names.map((name) => SESSIONS[name]!));
    changes.push(Date.now());
  }

  /** The middle of phase `n`: far from every change. */
  const mid = (n: number) => changes[n]! + PHASE_MS / 2;

  /** Both modes' answers to one request, which must be equal; returns one. */
  async function agreed(request: Omit<StatisticsRequest, 'kind'>, kind: 'db-client' | 'db-account'): Promise<string[]> {
    const items = kind === 'db-client' ? clientItems : accountItems;
    const [embedded, fromPrometheus] = await Promise.all([items(recording!.url, request), items(reading.url, request)]);
    expect(fromPrometheus).toEqual(embedded);
    return summary(embedded);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbss-agreement-'));
    db = await startTestDatabase();
    admin = await db.connect();
    await createOceanBaseSchema(admin);
    await setTenants(admin, OB_TENANTS);
    await admin.query("INSERT INTO oceanbase.DBA_OB_DATABASES VALUES (1002, 500001, 'test'), (1002, 500002, 'shop'), (1004, 500101, 'dw')");
    await phase('s1', 's2', 's3', 's4');
    forwarder = await startForwarder();
    await startRecording();
    prometheus = await startPrometheus({
      scrapeTarget: forwarder.address,
      jobName: 'dbsession',
      rules: 'groups: []\n',
      alertmanager: '127.0.0.1:9',
      retention: `${STORE_RETENTION_DAYS}d`,
    });
    reading = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      history: { prometheus_url: prometheus.url, retention: '31d' },
    });
    // The baseline must be in Prometheus before the first change.
    await eventually(async () => expect((await prometheus.query('dbsession_open_sessions{tenant="t1"}')).result).toHaveLength(2));
    await sleep(PHASE_MS / 2);

    await phase('s1', 's3', 's4', 's5', 's6');
    await sleep(PHASE_MS);
    await phase('s1', 's3', 's4', 's5', 's8');
    await sleep(PHASE_MS);
    // A restart of the recording exporter; while it is down s5 ends and s9 starts.
    await recording!.stop();
    await phase('s1', 's3', 's4', 's8', 's9');
    await sleep(2000);
    await startRecording();
    await sleep(PHASE_MS);
    await phase('s3', 's4', 's8', 's9', 's10');
    await sleep(PHASE_MS);
  }, 180_000);

  afterAll(async () => {
    await reading?.stop();
    await recording?.stop();
    await prometheus?.stop();
    await forwarder?.close();
    await admin?.end();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const t1 = { project: 'ob', instance: 't1' };

  it("agree on the seed's MONTH request: every session once, through the restart, with schema ids", async () => {
    const month = { ...t1, body: { time: { time_range: 'MONTH' } } };
    expect(await agreed(month, 'db-client')).toEqual([
      '4 500002 shop 198.51.100.1',
      '2 500001 test 198.51.100.2',
      '1 - - 198.51.100.3',
      '1 500002 shop 198.51.100.4',
    ]);
    expect(await agreed(month, 'db-account')).toEqual(['5 500002 shop app', '2 500001 test root', '1 - - report']);
    expect(await agreed({ project: 'ob', instance: 't2', body: { time: { time_range: 'DAY' } } }, 'db-client')).toEqual(['1 500101 dw 10.0.0.9']);
  });

  it('agree on a window inside one exporter run', async () => {
    // s2 ended before it; s6 ended and s8 started inside it.
    expect(await agreed({ ...t1, body: between(mid(1), mid(2)) }, 'db-client')).toEqual([
      '2 500002 shop 198.51.100.1',
      '2 500001 test 198.51.100.2',
      '1 - - 198.51.100.3',
    ]);
  });

  it('agree on a window across the restart: sessions alive across it once, one that ended and one that began while it was down', async () => {
    expect(await agreed({ ...t1, body: between(mid(2), mid(4)) }, 'db-client')).toEqual([
      '3 500002 shop 198.51.100.1',
      '2 500001 test 198.51.100.2',
      '1 500002 shop 198.51.100.4',
    ]);
    expect(await agreed({ ...t1, body: between(mid(3), mid(4)) }, 'db-account')).toEqual(['3 500002 shop app', '2 500001 test root']);
  });

  it('agree on db_id given as DATABASE_IDs', async () => {
    expect(await agreed({ ...t1, body: { db_id: ['500002'], time: { time_range: 'HOUR' } } }, 'db-client')).toEqual([
      '4 500002 shop 198.51.100.1',
      '1 500002 shop 198.51.100.4',
    ]);
  });

  it('refuse windows beyond the configured retention in the Prometheus-backed mode too', async () => {
    expectDbssError(
      await postStatistics(reading.url, { ...t1, body: between(Date.now() - 40 * 86_400_000, Date.now()) }),
      400,
      'DBSS.10000001',
      /history\.retention is 31d/,
    );
  });

  it("take the store's own retention without history.retention: the seed's MONTH request is answered, a window beyond it refused", async () => {
    const asking = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      history: { prometheus_url: prometheus.url },
    });
    try {
      const month = { ...t1, body: { time: { time_range: 'MONTH' } } };
      expect(await clientItems(asking.url, month)).toEqual(await clientItems(recording!.url, month));
      const day = 86_400_000;
      const beyond = between(Date.now() - (STORE_RETENTION_DAYS + 1) * day, Date.now());
      expectDbssError(await postStatistics(asking.url, { ...t1, body: beyond }), 400, 'DBSS.10000001', /the retention the store reports is 45d: nothing before/);
      expect(await clientItems(asking.url, { ...t1, body: between(Date.now() - (STORE_RETENTION_DAYS - 1) * day, Date.now()) })).not.toEqual([]);
      expect(asking.logs()).toMatch(/"storageRetention":"45d".*windows are answered as far back as the store keeps data/);
    } finally {
      await asking.stop();
    }
  });

  it('answer 503 in DBSS format when the Prometheus-compatible store cannot be reached', async () => {
    const unreachable = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      history: { prometheus_url: `http://127.0.0.1:${await freePort()}` },
    });
    try {
      expectDbssError(await postStatistics(unreachable.url, { ...t1, body: { time: { time_range: 'HOUR' } } }), 503, 'DBSS.11000503', /session history cannot be read: cannot reach http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await unreachable.stop();
    }
  });

  it('answer 503 within its deadline when the store accepts connections and never answers, and keep serving meanwhile', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const hanging = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      history: { prometheus_url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` },
    });
    try {
      const began = Date.now();
      const answer = postStatistics(hanging.url, { ...t1, body: { time: { time_range: 'HOUR' } } });
      // The hung request holds nothing else up.
      await hanging.waitFor((samples) => expect(samples.some((s) => s.name === 'dbsession_up' && s.value === 1)).toBe(true));
      expectDbssError(await answer, 503, 'DBSS.11000503', /session history cannot be read: cannot reach http:\/\/127\.0\.0\.1:\d+: no answer in time/);
      expect(held.length).toBeGreaterThan(0);
      expect(Date.now() - began).toBeLessThan(15_000);
    } finally {
      await hanging.stop();
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});
