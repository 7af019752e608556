import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { obSession, seedOceanBase, setSessions, type ObSessionRow } from '../support/oceanbase-schema.js';
import { getObshell, seedExample, shapeOf, waitForAnswer, type SeedExample } from './obshell-http.js';

/**
 * Every example request of the three obshell seeds, against the emulated OceanBase holding the
 * seed's own rows, through the built exporter: the answer must be the seed's answer except for
 * the time it took and when.
 */

/** The row behind the detail seed's example. */
const DETAIL_ROWS: readonly ObSessionRow[] = [
  obSession({
    ID: 3221588508,
    SVR_IP: '10.10.10.1',
    USER: 'root',
    DB: 'test',
    HOST: '127.0.0.1:12345',
    USER_CLIENT_IP: '127.0.0.1',
    COMMAND: 'Query',
    TIME: 12.005242,
    STATE: 'ACTIVE',
    INFO: 'SELECT * FROM users',
    SQL_ID: 'C82D7414C2E9706348979FC0CE2199E9',
    // Newer servers report seconds as a double; the API reports integer microseconds.
    TOTAL_CPU_TIME: 0.001,
    MEMORY_USAGE: 1024000,
  }),
  // Session ids are unique per observer only: another observer may reuse it in another tenant.
  obSession({ ID: 3221588508, SVR_IP: '10.10.10.2', TENANT: 't2', USER: 'other', INFO: 'SELECT 2' }),
];

/** The list seed's one ACTIVE session, among sleeping ones and another tenant's. */
const LIST_ROWS: readonly ObSessionRow[] = [
  obSession({
    ID: 3221588508,
    SVR_IP: '10.10.10.01',
    DB: 'ocs',
    HOST: '127.0.0.1:26236',
    USER_CLIENT_IP: '127.0.0.1',
    COMMAND: 'Execute',
    TIME: 0.005242,
    STATE: 'ACTIVE',
    INFO: "SELECT * FROM `oceanbase`.`GV$OB_PROCESSLIST` WHERE TENANT = ? AND STATE = 'ACTIVE' ORDER BY time desc LIMIT 10",
    SQL_ID: 'C82D7414C2E9706348979FC0CE2199E9',
    TOTAL_CPU_TIME: 0,
    MEMORY_USAGE: 3162112,
  }),
  obSession({ ID: 3221588600, TIME: 9000 }),
  obSession({ ID: 3221588601, TIME: 0.5 }),
  obSession({ ID: 3221588602, TENANT: 't2', STATE: 'ACTIVE', COMMAND: 'Query', TIME: 60 }),
];

/** Ten sessions whose counts are the stats seed's: test 8/4, sys 2/1; root 7/3, admin 3/2; .100 6/3, .101 4/2. */
const STATS_ROWS: readonly ObSessionRow[] = [
  ['test', 'root', '100', 'ACTIVE', 3600.5],
  ['test', 'root', '100', 'ACTIVE', 12],
  ['test', 'root', '100', 'SLEEP', 1],
  ['test', 'root', '100', 'SLEEP', 1],
  ['test', 'root', '101', 'SLEEP', 1],
  ['test', 'admin', '101', 'ACTIVE', 5],
  ['test', 'admin', '101', 'ACTIVE', 6],
  // Sleeping longer than any active session: max_active_time must not see it.
  ['test', 'root', '100', 'SLEEP', 7200],
  ['sys', 'root', '100', 'ACTIVE', 1],
  ['sys', 'admin', '101', 'SLEEP', 1],
].map(([db, user, client, state, time], i) =>
  obSession({
    ID: 3221590000 + i,
    DB: db!,
    USER: user!,
    HOST: `10.10.10.${client}:${40000 + i}`,
    USER_CLIENT_IP: `10.10.10.${client}`,
    STATE: state!,
    COMMAND: state === 'ACTIVE' ? 'Query' : 'Sleep',
    TIME: time!,
  }),
);

describe('obshell seeds: example requests return the seed answers', () => {
  let db: TestDatabase;
  let admin: Connection;
  let exporter: ExporterProcess;

  beforeAll(async () => {
    db = await startTestDatabase();
    admin = await db.connect();
    await seedOceanBase(admin);
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      // The seeds show SQL text; without an auth scheme it must be allowed explicitly.
      api: { expose_sql_text: true },
    });
  });

  afterAll(async () => {
    await admin?.end();
    await exporter?.stop();
    await db?.destroy();
  });

  /** Serves `rows`, then sends the seed's request with the seed's trace id until the data is the seed's. */
  async function answerTo(seed: SeedExample, rows: readonly ObSessionRow[]) {
    await setSessions(admin, rows);
    return waitForAnswer(
      () => getObshell(exporter.url, seed.path, { 'X-OBSHELL-Trace-ID': seed.response.traceId }),
      (answer) => {
        expect(answer.body.data).toEqual(seed.response.data);
        return answer;
      },
    );
  }

  function expectSeedEnvelope(answer: Awaited<ReturnType<typeof answerTo>>, seed: SeedExample): void {
    expect(shapeOf(answer.body)).toEqual(shapeOf(seed.response));
    const { timestamp: _t, duration: _d, ...rest } = answer.body;
    const { timestamp: _st, duration: _sd, ...seedRest } = seed.response;
    expect(rest).toEqual(seedRest);
  }

  it('GET /api/v1/tenant/t1/sessions/3221588508 (detail seed)', async () => {
    const seed = seedExample('obshell-tenant-session-detail.txt');
    expect(seed.path).toBe('/api/v1/tenant/t1/sessions/3221588508');
    expectSeedEnvelope(await answerTo(seed, DETAIL_ROWS), seed);
  });

  it('GET /api/v1/tenant/t1/sessions?page=1&size=10&active_only=true&sort=time,desc (list seed)', async () => {
    const seed = seedExample('obshell-tenant-session-list.txt');
    expect(seed.path).toBe('/api/v1/tenant/t1/sessions?page=1&size=10&active_only=true&sort=time,desc');
    expectSeedEnvelope(await answerTo(seed, LIST_ROWS), seed);
  });

  it('GET /api/v1/tenant/t1/sessions/stats (stats seed)', async () => {
    const seed = seedExample('obshell-tenant-session-stats.txt');
    expect(seed.path).toBe('/api/v1/tenant/t1/sessions/stats');
    expectSeedEnvelope(await answerTo(seed, STATS_ROWS), seed);
  });
});
