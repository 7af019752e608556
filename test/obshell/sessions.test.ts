import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { OB_SESSIONS, obSession, seedOceanBase, setSessions } from '../support/oceanbase-schema.js';
import { expectError, getObshell, waitForAnswer, type ObshellAnswer } from './obshell-http.js';

interface Session {
  id: number;
  svr_ip: string;
  user: string;
  db: string;
  host: string;
  time: number;
  info: string;
  proxy_ip: string;
  proxy_sess_id: number;
}
interface Page {
  page: { total_elements: number; total_pages: number; size: number; number: number };
  contents: Session[];
}

/** The list semantics of reference obshell.md ("do better") and clarification 5, over HTTP, without auth. */
describe('obshell tenant session API, open (no auth configured)', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;

  const get = (path: string, headers?: Record<string, string>) => getObshell(exporter.url, path, headers);
  const page = (answer: ObshellAnswer): Page => {
    expect(answer.httpStatus).toBe(200);
    return answer.body.data as Page;
  };
  const list = async (query: string) => page(await get(`/api/v1/tenant/t1/sessions${query}`));
  const ids = (p: Page) => p.contents.map((s) => `${s.id}@${s.svr_ip}`);

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin: Connection = await db.connect();
    await seedOceanBase(admin);
    await setSessions(admin, [
      ...OB_SESSIONS,
      // The id of t1's first session again, on the other observer.
      obSession({ ID: 3221588508, SVR_IP: '10.10.10.2', USER: 'root', TIME: 0.25, INFO: 'SELECT 2' }),
    ]);
    await admin.end();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [
        { name: 'ob', url: db.url, flavor: 'oceanbase' },
        { name: 'maria', url: db.url, flavor: 'mysql' },
      ],
    });
    await waitForAnswer(() => get('/api/v1/tenant/t1/sessions'), (answer) => expect(page(answer).page.total_elements).toBe(6));
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it('counts every match in total_elements and pages through them, an empty page past the end', async () => {
    const first = await list('?size=4');
    expect(first.page).toEqual({ total_elements: 6, total_pages: 2, size: 4, number: 1 });
    expect(first.contents).toHaveLength(4);
    const second = await list('?size=4&page=2');
    expect(second.page).toEqual({ total_elements: 6, total_pages: 2, size: 4, number: 2 });
    expect([...ids(first), ...ids(second)].sort()).toEqual(ids(await list('')).sort());
    expect(await list('?size=4&page=3')).toEqual({ page: { total_elements: 6, total_pages: 2, size: 4, number: 3 }, contents: [] });
  });

  it('returns everything by default, and accepts page and size up to 2^64-1, echoed exactly', async () => {
    expect((await list('')).page).toEqual({ total_elements: 6, total_pages: 1, size: 2147483647, number: 1 });
    const raw = await (await fetch(`${exporter.url}/api/v1/tenant/t1/sessions?page=18446744073709551615&size=18446744073709551615`)).text();
    expect(raw).toContain('"page":{"total_elements":6,"total_pages":1,"size":18446744073709551615,"number":18446744073709551615}');
    expect(raw).toContain('"contents":[]');
  });

  it.each([
    ['page=0', 'page'],
    ['size=0', 'size'],
    ['size=-1', 'size'],
    ['page=abc', 'page'],
    ['page=18446744073709551616', 'page'],
    ['active_only=maybe', 'active_only'],
    ['sort=nonsense,desc', 'sort'],
    ['sort=time,sideways', 'sort'],
    ['sort=info,asc', 'sort'],
    ['observer_list=10.10.10.1,not-an-ip', 'observer_list'],
    ['id=x', 'id'],
    ['user=a&user=b', 'user'],
  ])('answers ?%s with a 400 naming %s', async (query, parameter) => {
    const message = expectError(await get(`/api/v1/tenant/t1/sessions?${query}`), 400, 'Common.IllegalArgument');
    expect(message).toContain(`'${parameter}'`);
  });

  it('names the allowed values in a 400', async () => {
    const sort = expectError(await get('/api/v1/tenant/t1/sessions?sort=nonsense'), 400, 'Common.IllegalArgument');
    expect(sort).toContain('id, svr_ip, svr_port');
    const order = expectError(await get('/api/v1/tenant/t1/sessions?sort=time,sideways'), 400, 'Common.IllegalArgument');
    expect(order).toContain('asc, desc');
    const active = expectError(await get('/api/v1/tenant/t1/sessions?active_only=maybe'), 400, 'Common.IllegalArgument');
    expect(active).toContain('true, false, 1, 0');
  });

  it('sorts by JSON or column names in any case, a field alone ascending, ties by id then observer', async () => {
    const times = (p: Page) => p.contents.map((s) => s.time);
    expect(times(await list('?sort=time'))).toEqual([0.25, 1.5, 1.5, 1.5, 3.25, 12.005242]);
    expect(times(await list('?sort=TIME,DESC'))).toEqual([12.005242, 3.25, 1.5, 1.5, 1.5, 0.25]);
    // Equal times break by id: 3221588509 (1.5), 3221588511, 3221588512.
    expect(ids(await list('?sort=time,desc')).slice(2, 5)).toEqual(['3221588509@10.10.10.1', '3221588511@10.10.10.1', '3221588512@10.10.10.2']);
    expect(await list('?sort=PROXY_SESSID,desc')).toEqual(await list('?sort=proxy_sess_id,desc'));
    expect((await list('?sort=proxy_sess_id,desc')).contents[0]?.proxy_sess_id).toBe(7230002);
    expect(ids(await list('?sort=id'))).toEqual([
      '3221588508@10.10.10.1',
      '3221588508@10.10.10.2',
      '3221588509@10.10.10.1',
      '3221588510@10.10.10.1',
      '3221588511@10.10.10.1',
      '3221588512@10.10.10.2',
    ]);
    // host means the real client (clarification 5): the proxied 198.51.100.20 sorts after 10.x and before 2001:db8::7.
    expect((await list('?sort=host,asc')).contents.map((s) => s.host)).toEqual([
      '10.10.10.100:26236',
      '10.10.10.100:50000',
      '10.10.10.101:41000',
      '198.51.100.20',
      '198.51.100.20',
      '2001:db8::7:40000',
    ]);
  });

  it('filters user and db by substring, host by the real client address (IPv6 too), id exactly', async () => {
    expect(ids(await list('?user=ap'))).toEqual(['3221588509@10.10.10.1', '3221588510@10.10.10.1']);
    expect((await list('?db=sho')).page.total_elements).toBe(2);
    expect(ids(await list('?host=198.51.100'))).toEqual(['3221588509@10.10.10.1', '3221588510@10.10.10.1']);
    // The proxy's own address is not the client's.
    expect((await list('?host=10.0.0.9')).page.total_elements).toBe(0);
    expect(ids(await list(`?host=${encodeURIComponent('2001:db8::')}`))).toEqual(['3221588511@10.10.10.1']);
    expect(ids(await list('?id=3221588508'))).toEqual(['3221588508@10.10.10.1', '3221588508@10.10.10.2']);
    expect((await list('?id=0')).page.total_elements).toBe(6);
    expect(ids(await list('?active_only=true&sort=time,desc'))).toEqual(['3221588508@10.10.10.1', '3221588510@10.10.10.1']);
    expect((await list('?active_only=0')).page.total_elements).toBe(6);
    expect((await list(`?user=${encodeURIComponent("' OR 1=1 --")}`)).page.total_elements).toBe(0);
  });

  it('filters by observer: ip, ip:port and [v6]:port, never built into SQL', async () => {
    expect(ids(await list('?observer_list=10.10.10.2'))).toEqual(['3221588508@10.10.10.2', '3221588512@10.10.10.2']);
    expect((await list('?observer_list=10.10.10.2:2882,10.10.10.1:2883')).page.total_elements).toBe(2);
    expect((await list(`?observer_list=${encodeURIComponent('[2001:db8::1]:2882,10.10.10.1:2882')}`)).page.total_elements).toBe(4);
    const injection = encodeURIComponent("10.10.10.1:2882') OR ('1'='1");
    expectError(await get(`/api/v1/tenant/t1/sessions?observer_list=${injection}`), 400, 'Common.IllegalArgument');
  });

  it('hides SQL text when no auth scheme is configured and expose_sql_text is off', async () => {
    const all = await list('');
    expect(all.contents.every((s) => s.info === '')).toBe(true);
  });

  it('answers a session by id with proxy_ip resolved, and asks for svr_ip when two observers share the id', async () => {
    const proxied = await get('/api/v1/tenant/t1/sessions/3221588509');
    expect(proxied.body.data).toMatchObject({ id: 3221588509, host: '198.51.100.20', proxy_ip: '10.0.0.9', proxy_sess_id: 7230001 });
    const message = expectError(await get('/api/v1/tenant/t1/sessions/3221588508'), 400, 'Common.IllegalArgument');
    expect(message).toContain("'svr_ip'");
    expect(message).toContain('10.10.10.1:2882, 10.10.10.2:2882');
    const one = await get('/api/v1/tenant/t1/sessions/3221588508?svr_ip=10.10.10.2');
    expect(one.body.data).toMatchObject({ id: 3221588508, svr_ip: '10.10.10.2', time: 0.25 });
  });

  it('answers unknown tenants, sessions and routes with obshell errCodes', async () => {
    expect(expectError(await get('/api/v1/tenant/nope/sessions'), 400, 'OB.Tenant.NotExist')).toBe("Tenant 'nope' does not exist.");
    expectError(await get('/api/v1/tenant/nope/sessions/stats'), 400, 'OB.Tenant.NotExist');
    expect(expectError(await get('/api/v1/tenant/t1/sessions/42'), 400, 'OB.Tenant.Session.NotExist')).toBe(
      "Tenant session '42' does not exist.",
    );
    // t2's session is not t1's.
    expectError(await get('/api/v1/tenant/t1/sessions/3221588600'), 400, 'OB.Tenant.Session.NotExist');
    expect(expectError(await get('/api/v1/tenant/t1/sessions/abc'), 400, 'Common.IllegalArgument')).toContain("'sessionId'");
    expectError(await get('/api/v1/nope'), 404, 'Common.NotFound');
    expectError(await get('/api/v1/tenant/t1'), 404, 'Common.NotFound');
    expectError(await get('/api/v1/tenant/%E0%A4%A/sessions'), 400, 'Common.IllegalArgument');
    const post = await fetch(`${exporter.url}/api/v1/tenant/t1/sessions`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { error: { errCode: string } }).error.errCode).toBe('Common.NotFound');
  });

  it('echoes X-OBSHELL-Trace-ID, else makes 16 hex characters', async () => {
    expect((await get('/api/v1/tenant/t1/sessions/stats', { 'X-OBSHELL-Trace-ID': 'abc123' })).body.traceId).toBe('abc123');
    expect((await get('/api/v1/tenant/nope/sessions', { 'X-OBSHELL-Trace-ID': 'err-1' })).body.traceId).toBe('err-1');
    expect((await get('/api/v1/tenant/t1/sessions/stats')).body.traceId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('computes stats over the real client, sorted by count then name', async () => {
    const stats = (await get('/api/v1/tenant/t1/sessions/stats')).body.data;
    expect(stats).toEqual({
      total_count: 6,
      active_count: 2,
      max_active_time: 12.005242,
      db_stats: [
        { db_name: '', total_count: 2, active_count: 0 },
        { db_name: 'shop', total_count: 2, active_count: 1 },
        { db_name: 'test', total_count: 2, active_count: 1 },
      ],
      user_stats: [
        { user_name: 'root', total_count: 2, active_count: 1 },
        { user_name: 'app', total_count: 2, active_count: 1 },
        { user_name: 'admin', total_count: 1, active_count: 0 },
        { user_name: 'report', total_count: 1, active_count: 0 },
      ].sort((a, b) => b.total_count - a.total_count || (a.user_name < b.user_name ? -1 : 1)),
      client_stats: [
        { client_ip: '10.10.10.100', total_count: 2, active_count: 1 },
        { client_ip: '198.51.100.20', total_count: 2, active_count: 1 },
        { client_ip: '10.10.10.101', total_count: 1, active_count: 0 },
        { client_ip: '2001:db8::7', total_count: 1, active_count: 0 },
      ],
    });
  });

  it('serves a MySQL target under its tenant name, here and under /targets/{name}', async () => {
    const answer = await get('/api/v1/tenant/maria/sessions');
    expect(page(answer).contents.every((s) => s.info === '')).toBe(true);
    const stats = await get('/targets/maria/api/v1/tenant/maria/sessions/stats?target=maria');
    // The exporter's own connections of the `ob` target are this server's clients: counts move between scrapes.
    expect(stats.httpStatus).toBe(200);
    expect(typeof (stats.body.data as { total_count: unknown }).total_count).toBe('number');
    expect(expectError(await get('/targets/maria/api/v1/tenant/maria/sessions?target=ob'), 400, 'Common.IllegalArgument')).toContain("'target'");
    expectError(await get('/targets/ob/api/v1/tenant/maria/sessions'), 400, 'OB.Tenant.NotExist');
  });

  it('answers /api/v1/info as obshell does, identity SINGLE without a password, and /api/v1/secret', async () => {
    const info = (await get('/api/v1/info')).body.data;
    expect(info).toEqual({
      ip: '127.0.0.1',
      port: Number(new URL(exporter.url).port),
      identity: 'SINGLE',
      version: '4.5.0.0',
      security: false,
      supportedAuth: ['v2'],
      isObproxyAgent: false,
    });
    const secret = (await get('/api/v1/secret')).body.data as { public_key: string };
    const key = createPublicKey({ key: Buffer.from(secret.public_key, 'base64'), format: 'der', type: 'pkcs1' });
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('never answers 500 or leaves the envelope, whatever the path and query (fuzz)', async () => {
    const names = ['page', 'size', 'user', 'db', 'host', 'id', 'observer_list', 'active_only', 'sort', 'target', 'svr_ip', 'x'];
    const text = fc.oneof(fc.string(), fc.constantFrom('%', '%zz', '-1', '0', '18446744073709551616', 'time,desc', '[::1]:1', ',,', '\u0000'));
    const raw = (value: string) => value.replace(/[#&?\s]/g, '');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/tenant/t1/sessions', '/api/v1/tenant/t1/sessions/stats', '/api/v1/tenant/t1/sessions/', '/targets/ob/api/v1/tenant/'),
        text,
        fc.array(fc.tuple(fc.constantFrom(...names), text, fc.boolean()), { maxLength: 4 }),
        async (base, segment, params) => {
          const query = params.map(([name, value, encode]) => `${name}=${encode ? encodeURIComponent(value) : raw(value)}`).join('&');
          const path = `${base}${base.endsWith('/') ? encodeURIComponent(segment) : ''}?${query}`;
          const answer = await get(path);
          expect(answer.httpStatus, path).toBeLessThan(500);
          expect(answer.body.error === undefined, path).toBe(answer.httpStatus === 200);
        },
      ),
      { numRuns: 300 },
    );
    expect(exporter.child.exitCode).toBeNull();
  });
});
