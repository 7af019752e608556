import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../appgate/dashboard-client.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { freePort, startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { accountItems, between, clientItems, expectDbssError, postStatistics, sleep, summary } from './dbss-client.js';

const TARGET = 'prod';
const TENANT = 'main';
const ROOT_TOKEN = 'root-token-0123456789';
const SCOPED_TOKEN = 'scoped-token-0123456789';
const OTHER_TOKEN = 'other-tenant-token-0123456789';
const MONTH = { time: { time_range: 'MONTH' } };
/** The seed's example answer, for its shape. */
const SEED_ITEM = { db_id: null, db_ip: '100.79.0.248', session_num: 16, db_name: null };

function shapeOf(item: object): Record<string, string> {
  return Object.fromEntries(Object.entries(item).map(([key, value]) => [key, value === null ? 'string|null' : Number.isInteger(value) ? 'integer' : typeof value]));
}

describe('DBSS session distribution over real MariaDB sessions', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  let dir: string;
  const sessions = new Map<string, Connection>();
  /** Instants between the workload's phases, once the exporter has recorded each phase. */
  const marks: Record<string, number> = {};

  const request = (body: unknown, extra: object = {}) => ({ project: TARGET, instance: TENANT, body, token: ROOT_TOKEN, ...extra });

  async function open(name: string, user: string, address: string, database?: string): Promise<void> {
    // From a loopback address of its own, so that each client has its own db_ip.
    const stream = () => connect({ host: db.host, port: db.port, localAddress: address });
    sessions.set(name, await db.connect({ user, stream, ...(database ? { database } : {}) }));
  }

  async function close(name: string): Promise<void> {
    await sessions.get(name)?.end();
    sessions.delete(name);
  }

  /** Waits until the history answers `expected` for the last half hour: the phase is recorded. */
  async function recorded(expected: string[]): Promise<number> {
    await eventually(async () => expect(summary(await clientItems(exporter.url, request({ time: { time_range: 'HALF_HOUR' } }))).sort()).toEqual([...expected].sort()));
    // Two more scrapes: every session of the phase is in at least two recorded scrapes.
    await sleep(2500);
    return Date.now();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbss-api-'));
    db = await startTestDatabase();
    const admin = await db.connect();
    await admin.query('CREATE DATABASE shop');
    await admin.query('CREATE DATABASE crm');
    for (const user of ['app', 'report']) {
      await admin.query(`CREATE USER '${user}'@'%'`);
      await admin.query(`GRANT ALL ON shop.* TO '${user}'@'%'`);
      await admin.query(`GRANT ALL ON crm.* TO '${user}'@'%'`);
    }
    // Only the workload's sessions from here on: the admin session would be counted too.
    await admin.end();
    await writeFile(join(dir, 'tokens'), [ROOT_TOKEN, `${SCOPED_TOKEN} ${TARGET}/${TENANT}`, `${OTHER_TOKEN} ${TARGET}/other`, ''].join('\n'));
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      targets: [
        { name: TARGET, url: db.url, flavor: 'mysql', tenant: TENANT },
        { name: 'never-up', url: `mysql://root@127.0.0.1:${await freePort()}`, flavor: 'mysql' },
      ],
      history: { path: join(dir, 'history') },
      auth: { dbss: { tokens_file: join(dir, 'tokens') } },
    });

    marks['start'] = Date.now();
    await open('a1', 'app', '127.0.0.2', 'shop');
    await open('a2', 'app', '127.0.0.2', 'shop');
    await open('b1', 'report', '127.0.0.2', 'shop');
    await open('c1', 'app', '127.0.0.3');
    marks['first'] = await recorded(['3 - shop 127.0.0.2', '1 - - 127.0.0.3']);
    await close('a1');
    await close('c1');
    await open('a3', 'app', '127.0.0.3', 'crm');
    await recorded(['3 - shop 127.0.0.2', '1 - - 127.0.0.3', '1 - crm 127.0.0.3']);
    marks['second'] = Date.now();
  });

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all([...sessions.values()].map((s) => s.end().catch(() => undefined)));
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers the seed's example request in the seed's shape: one item per schema and client, most sessions first", async () => {
    const answer = await postStatistics(exporter.url, request(MONTH));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const items = answer.body as Array<Record<string, unknown>>;
    expect(items).toEqual([
      { db_id: null, db_ip: '127.0.0.2', db_name: 'shop', session_num: 3 },
      { db_id: null, db_ip: '127.0.0.3', db_name: null, session_num: 1 },
      { db_id: null, db_ip: '127.0.0.3', db_name: 'crm', session_num: 1 },
    ]);
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(Object.keys(SEED_ITEM).sort());
      expect({ ...shapeOf(item), db_name: 'string|null' }).toEqual({ ...shapeOf(SEED_ITEM), db_ip: 'string', db_name: 'string|null' });
    }
  });

  it('counts per schema and account on db-account', async () => {
    expect(summary(await accountItems(exporter.url, request(MONTH)))).toEqual(['2 - shop app', '1 - - app', '1 - crm app', '1 - shop report']);
  });

  it('counts the sessions seen alive in an explicit window, and none before the first scrape', async () => {
    const first = between(marks['start']! - 60_000, marks['first']!);
    expect(summary(await clientItems(exporter.url, request(first)))).toEqual(['3 - shop 127.0.0.2', '1 - - 127.0.0.3']);
    // After the closes: a1 and c1 were last seen before this window.
    const after = between(marks['second']! - 1000, Date.now());
    expect(summary(await clientItems(exporter.url, request(after)))).toEqual(['2 - shop 127.0.0.2', '1 - crm 127.0.0.3']);
    expect(await clientItems(exporter.url, request(between(marks['start']! - 3_600_000, marks['start']! - 60_000)))).toEqual([]);
  });

  it('accepts DBSS times (yyyy-MM-dd HH:mm:ss, UTC) and lets time_range win over them', async () => {
    const text = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    const window = { time: { start_time: text(marks['start']! - 60_000), end_time: text(Date.now() + 1000) } };
    expect(summary(await clientItems(exporter.url, request(window)))).toHaveLength(3);
    const both = { time: { time_range: 'HOUR', start_time: text(marks['start']! - 7_200_000), end_time: text(marks['start']! - 3_600_000) } };
    expect(summary(await clientItems(exporter.url, request(both)))).toHaveLength(3);
  });

  describe('ISO 8601 times (docs/dbss-api.md): the extended format, with every offset form', () => {
    /** `ms` as the wall-clock time `offsetMinutes` east of UTC, without the offset. */
    const local = (ms: number, offsetMinutes: number, separator = 'T', fraction = '.') =>
      new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23).replace('T', separator).replace('.', fraction);
    const forms: Array<[string, (ms: number) => string]> = [
      ['+hh:mm', (ms) => `${local(ms, 480)}+08:00`],
      ['+hhmm', (ms) => `${local(ms, 330)}+0530`],
      ['-hh', (ms) => `${local(ms, -300)}-05`],
      ['+hh after a space', (ms) => `${local(ms, 480, ' ')}+08`],
      ['Z and a decimal comma', (ms) => `${local(ms, 0, 'T', ',')}Z`],
    ];

    // Ignoring an offset east of UTC would put the window in the future (a 400), one west of it hours back (no sessions).
    it.each(forms)('%s names the same instants as UTC', async (_form, write) => {
      const window = { time: { start_time: write(marks['start']! - 60_000), end_time: write(marks['first']!) } };
      expect(summary(await clientItems(exporter.url, request(window))), JSON.stringify(window)).toEqual(['3 - shop 127.0.0.2', '1 - - 127.0.0.3']);
    });

    it.each(['20240501T080000Z', '2024-05-01T08:00:00+8', '2024-05-01T08:00:00+08:0', '2024-05-01T08Z', '2024-W18-3T08:00:00Z'])(
      'refuses %s with a 400 naming the field and the accepted forms',
      async (text) => {
        const body = { time: { start_time: text, end_time: '2024-05-01 10:00:00' } };
        expectDbssError(await postStatistics(exporter.url, request(body)), 400, 'DBSS.10000001', /^time\.start_time ".+" is not a time in the form .*ISO 8601 extended format/);
      },
    );
  });

  it('restricts to the schemas db_id names: schema names on MySQL targets, which have no ids', async () => {
    expect(summary(await clientItems(exporter.url, request({ ...MONTH, db_id: ['shop'] })))).toEqual(['3 - shop 127.0.0.2']);
    expect(summary(await accountItems(exporter.url, request({ ...MONTH, db_id: ['crm', 'shop', 'nowhere'] })))).toEqual([
      '2 - shop app',
      '1 - crm app',
      '1 - shop report',
    ]);
    expect(await clientItems(exporter.url, request({ ...MONTH, db_id: ['nowhere'] }))).toEqual([]);
  });

  it('serves the same under /targets/{target}/v1, where project_id must be that target', async () => {
    expect(await clientItems(exporter.url, request(MONTH, { prefix: `/targets/${TARGET}` }))).toEqual(await clientItems(exporter.url, request(MONTH)));
    expectDbssError(
      await postStatistics(exporter.url, request(MONTH, { prefix: '/targets/never-up' })),
      400,
      'DBSS.10020021',
      /project_id "prod" contradicts the path's target "never-up"/,
    );
  });

  describe('authentication (X-Auth-Token)', () => {
    it('refuses a missing or unknown token with 401 DBSS.10020100', async () => {
      expectDbssError(await postStatistics(exporter.url, request(MONTH, { token: undefined })), 401, 'DBSS.10020100', /X-Auth-Token/);
      expectDbssError(await postStatistics(exporter.url, request(MONTH, { token: 'guess' })), 401, 'DBSS.10020100', /failed to authenticate/);
    });

    it('lets a token scoped to the target and tenant in, and refuses one scoped elsewhere with 403', async () => {
      expect(await clientItems(exporter.url, request(MONTH, { token: SCOPED_TOKEN }))).toHaveLength(3);
      expectDbssError(await postStatistics(exporter.url, request(MONTH, { token: OTHER_TOKEN })), 403, 'DBSS.10020403', /not allowed target "prod", tenant "main"/);
    });

    it('checks the token before the body: an unauthenticated request learns nothing from its errors', async () => {
      expectDbssError(await postStatistics(exporter.url, request(undefined, { token: undefined, raw: '{not json' })), 401, 'DBSS.10020100', /token/);
      expectDbssError(await postStatistics(exporter.url, { project: 'nope', instance: 'x', body: MONTH }), 401, 'DBSS.10020100', /token/);
    });
  });

  describe('errors: 400 with the code and a message naming the field', () => {
    it.each([
      ['malformed JSON', { raw: '{"time": ' }, 'DBSS.10000001', /not valid JSON/],
      ['a body that is not an object', { raw: '[1, 2]' }, 'DBSS.10000001', /body must be a JSON object/],
      ['a body sent as text', { raw: JSON.stringify(MONTH), contentType: 'text/plain' }, 'DBSS.10000001', /Content-Type: application\/json/],
      ['no time', { body: { db_id: ['shop'] } }, 'DBSS.10000001', /^time is required/],
      ['an unknown time_range', { body: { time: { time_range: 'YEAR' } } }, 'DBSS.10000001', /^time\.time_range "YEAR" is not one of HALF_HOUR/],
      ['a malformed start_time', { body: { time: { start_time: '01/05/2024', end_time: '2024-05-01 10:00:00' } } }, 'DBSS.10000001', /^time\.start_time "01\/05\/2024" is not a time/],
      ['an impossible end_time', { body: { time: { start_time: '2024-05-01 00:00:00', end_time: '2024-02-30 10:00:00' } } }, 'DBSS.10000001', /^time\.end_time "2024-02-30 10:00:00" is not a time/],
      ['a missing end_time', { body: { time: { start_time: '2024-05-01 00:00:00' } } }, 'DBSS.10000001', /^time\.end_time is required/],
      ['a start after the end', { body: { time: { start_time: '2024-05-02 00:00:00', end_time: '2024-05-01 00:00:00' } } }, 'DBSS.10000001', /^time\.start_time is after time\.end_time/],
      ['a start in the future', { body: between(Date.now() + 86_400_000, Date.now() + 2 * 86_400_000) }, 'DBSS.10000001', /^time\.start_time is in the future/],
      ['a bad db_id', { body: { ...MONTH, db_id: 'shop' } }, 'DBSS.10000001', /^db_id must be an array of strings/],
      ['a window beyond retention', { body: between(Date.now() - 40 * 86_400_000, Date.now()) }, 'DBSS.10000001', /beyond the history's retention \(history\.retention is 31d: nothing before \d{4}-/],
      ['an unknown target', { project: 'staging' }, 'DBSS.10020021', /^project_id "staging" is not a configured target$/],
      ['an unknown tenant', { instance: 'sales' }, 'DBSS.10020021', /^instance_id "sales" is not a tenant of target "prod"$/],
    ])('%s', async (_case, extra, code, message) => {
      expectDbssError(await postStatistics(exporter.url, request(MONTH, extra)), 400, code, message);
    });

    it('refuses a body over the size limit with 413, declared or sent without a length', async () => {
      const huge = JSON.stringify({ ...MONTH, db_id: Array.from({ length: 20_000 }, (_, i) => `schema_${i}`) });
      // A declared length over the limit is refused before any router reads it (src/http/limits.ts).
      expectDbssError(await postStatistics(exporter.url, request(undefined, { raw: huge })), 413, 'DBSS.10000001', /larger than 65536 bytes/);
      const chunked = new Blob([huge]).stream();
      const response = await fetch(`${exporter.url}/v1/${TARGET}/audit/${TENANT}/statistics/session/db-client`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': ROOT_TOKEN },
        body: chunked,
        duplex: 'half',
      } as RequestInit);
      expectDbssError({ status: response.status, headers: response.headers, body: await response.json() }, 413, 'DBSS.10000001', /larger than 65536 bytes/);
    });

    it('answers unknown paths with 404 and other methods with 405, both in DBSS format', async () => {
      const answer = await fetch(`${exporter.url}/v1/${TARGET}/audit/${TENANT}/statistics/session/db-table`, { method: 'POST' });
      expectDbssError({ status: answer.status, headers: answer.headers, body: await answer.json() }, 404, 'DBSS.10021004', /no DBSS API at POST/);
      const get = await postStatistics(exporter.url, request(MONTH, { method: 'GET' }));
      expectDbssError(get, 405, 'DBSS.10000001', /GET is not allowed here: use POST/);
      expect(get.headers.get('allow')).toBe('POST');
    });
  });

  it('never answers a fuzzed request with a 500 (clarification 1)', async () => {
    const bodies = fc.sample(
      fc.oneof(
        fc.jsonValue().map((value) => JSON.stringify(value)),
        fc.string(),
        fc.record({ db_id: fc.jsonValue(), time: fc.record({ time_range: fc.jsonValue(), start_time: fc.string(), end_time: fc.jsonValue() }, { requiredKeys: [] }) }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
      ),
      { numRuns: 300, seed: 42 },
    );
    const paths = fc.sample(fc.tuple(fc.string(), fc.string()), { numRuns: 50, seed: 7 });
    for (const raw of bodies) {
      const answer = await postStatistics(exporter.url, request(undefined, { raw }));
      expect([200, 400], `${raw} -> ${JSON.stringify(answer.body)}`).toContain(answer.status);
    }
    for (const [project, instance] of paths) {
      const answer = await postStatistics(exporter.url, request(MONTH, { project: project || 'x', instance: instance || 'y' }));
      expect([400, 404], `${project}/${instance} -> ${JSON.stringify(answer.body)}`).toContain(answer.status);
    }
  });

  describe('a target that is down or stale (clarification 1)', () => {
    it('answers 503 for a target never scraped successfully', async () => {
      expectDbssError(
        await postStatistics(exporter.url, request(MONTH, { project: 'never-up', instance: 'never-up' })),
        503,
        'DBSS.11000503',
        /target "never-up" is unavailable: the target is down or its data is stale \(it has not been scraped successfully yet\)/,
      );
    });

    it('answers 503 for windows reaching past the last good scrape, and still answers windows that ended by then', async () => {
      // Ends well before the last good scrape: one after `second` may not have come yet.
      const window = between(marks['start']! - 60_000, marks['first']!);
      const earlier = await clientItems(exporter.url, request(window));
      expect(summary(earlier)).toEqual(['3 - shop 127.0.0.2', '1 - - 127.0.0.3']);
      await db.stop();
      await eventually(async () =>
        expectDbssError(await postStatistics(exporter.url, request(MONTH)), 503, 'DBSS.11000503', /target "prod" is unavailable.*last successful scrape was at \d{4}-/),
      );
      expect(await clientItems(exporter.url, request(window))).toEqual(earlier);
      // Which tenants exist comes from the last snapshot, stale or not.
      expectDbssError(
        await postStatistics(exporter.url, request(window, { instance: 'sales' })),
        400,
        'DBSS.10020021',
        /instance_id "sales"/,
      );
    });
  });

  describe('tokens rotated by reload, and a client that keeps guessing (last: it spends the failure budget of 127.0.0.1)', () => {
    const NEW_TOKEN = 'rotated-token-5e6f7a8b9c';
    const guesses = Array.from({ length: 25 }, (_, i) => `wrong-token-${i}-d41d8cd9`);
    // Ended before the database was stopped above: answered whatever the target's state now.
    const answered = () => request(between(marks['start']! - 60_000, marks['first']!));
    const reload = async () => expect((await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status).toBe(200);

    it('takes a token added to the file at the next reload, and refuses one taken out with 401', async () => {
      await writeFile(join(dir, 'tokens'), [ROOT_TOKEN, NEW_TOKEN, ''].join('\n'));
      expectDbssError(await postStatistics(exporter.url, { ...answered(), token: NEW_TOKEN }), 401, 'DBSS.10020100', /failed to authenticate/);
      await reload();
      expect(await clientItems(exporter.url, { ...answered(), token: NEW_TOKEN })).toHaveLength(2);
      await writeFile(join(dir, 'tokens'), [NEW_TOKEN, ''].join('\n'));
      await reload();
      expectDbssError(await postStatistics(exporter.url, answered()), 401, 'DBSS.10020100', /failed to authenticate/);
      expect(await clientItems(exporter.url, { ...answered(), token: NEW_TOKEN })).toHaveLength(2);
    });

    it('answers repeated wrong tokens from one address with 429 in DBSS format, even to a right one, and logs no token', async () => {
      const statuses: number[] = [];
      for (const guess of guesses) {
        const answer = await postStatistics(exporter.url, { ...answered(), token: guess });
        statuses.push(answer.status);
        if (answer.status === 429) break;
        expectDbssError(answer, 401, 'DBSS.10020100', /failed to authenticate/);
      }
      // The budget is 20 failures (src/http/failure-limiter.ts); the test above spent one.
      expect(statuses.length).toBeGreaterThanOrEqual(19);
      expect(statuses.at(-1)).toBe(429);
      const limited = await postStatistics(exporter.url, { ...answered(), token: NEW_TOKEN });
      expectDbssError(limited, 429, 'DBSS.10020429', /too many failed authentications from this address/);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      const logs = exporter.logs();
      expect(logs).toMatch(/"api":"dbss".*"reason":"unknown token".*client reached the failure limit/);
      for (const token of [...guesses, ROOT_TOKEN, NEW_TOKEN, SCOPED_TOKEN, OTHER_TOKEN]) expect(logs.includes(token), token).toBe(false);
    });
  });
});
