import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { OB_SESSIONS, obSession, seedOceanBase, setSessions } from '../support/oceanbase-schema.js';
import { getObshell, waitForAnswer } from './obshell-http.js';

/** Clarification 5: at most 64 KiB of SQL text per session. */
const MAX_INFO_BYTES = 64 * 1024;

/**
 * Long SQL texts of 2-, 3- and 4-byte characters: fewer than 64 Ki characters each (so the
 * servers' character-counting SUBSTR leaves them whole), more than 64 KiB of UTF-8.
 */
const LONG_INFO = new Map([
  [3221590001, `SELECT 'ab${'é'.repeat(40_000)}'`],
  [3221590002, `SELECT 'ab${'€'.repeat(30_000)}'`],
  [3221590003, `SELECT /* a ${'😀'.repeat(20_000)} */ 1`],
]);

describe('obshell session detail: SQL text capped in bytes', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  const detail = async (id: number) => {
    const answer = await getObshell(exporter.url, `/api/v1/tenant/t1/sessions/${id}`);
    expect(answer.httpStatus).toBe(200);
    return (answer.body.data as { info: string }).info;
  };

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await seedOceanBase(admin);
    await setSessions(admin, [
      ...OB_SESSIONS,
      ...[...LONG_INFO].map(([ID, INFO]) => obSession({ ID, COMMAND: 'Query', STATE: 'ACTIVE', INFO })),
    ]);
    await admin.end();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      api: { expose_sql_text: true },
    });
    await waitForAnswer(
      () => getObshell(exporter.url, '/api/v1/tenant/t1/sessions/3221590001'),
      (answer) => expect(answer.httpStatus).toBe(200),
    );
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it.each([...LONG_INFO])('session %d: the longest start that fits in 64 KiB, whole characters only', async (id, full) => {
    expect(Buffer.byteLength(full)).toBeGreaterThan(MAX_INFO_BYTES);
    const info = await detail(id);
    const bytes = Buffer.byteLength(info);
    expect(bytes).toBeLessThanOrEqual(MAX_INFO_BYTES);
    // One more character would not have fit: nothing was cut short for nothing.
    expect(bytes + Buffer.byteLength(String.fromCodePoint(full.codePointAt(info.length)!))).toBeGreaterThan(MAX_INFO_BYTES);
    expect(full.startsWith(info)).toBe(true);
    expect(info).not.toContain('\uFFFD');
  });

  it('returns short SQL text whole, and NULL as ""', async () => {
    expect(await detail(3221588508)).toBe('SELECT * FROM users');
    expect(await detail(3221588509)).toBe('');
  });
});
