import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { freePort, startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { seedOceanBase } from '../support/oceanbase-schema.js';
import { expectError, getObshell, waitForAnswer } from './obshell-http.js';

/** Several targets: a tenant name in two of them, one target down, then all of them down and back. */
describe('obshell API across targets', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  const get = (path: string) => getObshell(exporter.url, path);

  beforeAll(async () => {
    db = await startTestDatabase();
    if (!db.private) throw new Error('this test stops and starts its server: run it without TEST_MYSQL_URL');
    const admin = await db.connect();
    await seedOceanBase(admin);
    await admin.end();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [
        { name: 'ob-a', url: db.url, flavor: 'oceanbase' },
        { name: 'ob-b', url: db.url, flavor: 'oceanbase' },
        { name: 'ob-down', url: `mysql://root@127.0.0.1:${await freePort()}`, flavor: 'oceanbase' },
      ],
    });
    await waitForAnswer(() => get('/targets/ob-b/api/v1/tenant/t1/sessions'), (answer) => expect(answer.httpStatus).toBe(200));
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it('asks which target when a tenant name is in several, listing them', async () => {
    const message = expectError(await get('/api/v1/tenant/t1/sessions'), 400, 'Common.IllegalArgument');
    expect(message).toContain("'target'");
    expect(message).toContain('ob-a, ob-b');
    expectError(await get('/api/v1/tenant/t1/sessions/stats'), 400, 'Common.IllegalArgument');
    expectError(await get('/api/v1/tenant/t1/sessions/3221588509'), 400, 'Common.IllegalArgument');
  });

  it('serves the tenant of the target named by path prefix or ?target=', async () => {
    const byPath = await get('/targets/ob-a/api/v1/tenant/t1/sessions');
    const byQuery = await get('/api/v1/tenant/t1/sessions?target=ob-b');
    expect(byPath.httpStatus).toBe(200);
    expect(byQuery.body.data).toEqual(byPath.body.data);
    expect((await get('/targets/ob-a/api/v1/tenant/t1/sessions/3221588509')).body.data).toMatchObject({ id: 3221588509 });
  });

  it('answers 503, data unavailable, for a target that is down, never an empty list', async () => {
    const message = expectError(await get('/targets/ob-down/api/v1/tenant/t1/sessions'), 503, 'Common.DataUnavailable');
    expect(message).toMatch(/unavailable/i);
    expect(message).toContain('ob-down');
    // ob-down might hold a tenant no other target has: unknown, not "does not exist".
    expectError(await get('/api/v1/tenant/nope/sessions'), 503, 'Common.DataUnavailable');
  });

  it('rejects an unknown target, listing the configured ones', async () => {
    const message = expectError(await get('/targets/nosuch/api/v1/tenant/t1/sessions'), 400, 'Common.IllegalArgument');
    expect(message).toContain('ob-a, ob-b, ob-down');
  });

  it('turns every endpoint into a 503 while the database is down, and recovers', async () => {
    await db.stop();
    await waitForAnswer(
      () => get('/targets/ob-a/api/v1/tenant/t1/sessions'),
      (answer) => expectError(answer, 503, 'Common.DataUnavailable'),
    );
    expectError(await get('/targets/ob-a/api/v1/tenant/t1/sessions/stats'), 503, 'Common.DataUnavailable');
    expectError(await get('/targets/ob-b/api/v1/tenant/t1/sessions/3221588509'), 503, 'Common.DataUnavailable');
    expect((await get('/api/v1/info')).httpStatus).toBe(200);

    await db.start();
    await waitForAnswer(() => get('/targets/ob-a/api/v1/tenant/t1/sessions'), (answer) => expect(answer.httpStatus).toBe(200));
    expect(exporter.child.exitCode).toBeNull();
  });
});
