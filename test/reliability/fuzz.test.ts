import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../appgate/dashboard-client.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { isOversize, fuzzArbitraries, sendFuzzRequest, type Family, type FuzzAnswer, type FuzzRequest, type OcsHeader } from '../support/fuzz-requests.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { expectErrorEnvelope } from '../obshell/obshell-http.js';
import { buildObshellHeader, nowSeconds } from '../support/obshell-client.js';
import { seedOceanBase } from '../support/oceanbase-schema.js';

/** Fixed, so that a failure replays; FUZZ_SEED explores others. */
const SEED = Number(process.env.FUZZ_SEED ?? 917_2026);
const NUM_RUNS = 1000;
/** Random per run, so that no earlier run and no fixture can have put them into the query log. */
const FUZZ_MARKER = `fz${randomBytes(5).toString('hex')}q`;
const PROOF_MARKER = `pf${randomBytes(5).toString('hex')}q`;

const PASSWORD = 'obshell-Fuzz-Secret-3b9d';
const DASHBOARD_TOKENS = ['dash-token-5f0c9a7e2b1d', 'dash-scoped-token-8e4a71'] as const;
const DBSS_TOKENS = ['dbss-token-1c7f3e9a0d2b', 'dbss-scoped-token-4b6d02'] as const;
const HOUR = JSON.stringify({ time: { time_range: 'HOUR' } });

type ApiFamily = Exclude<Family, 'plain'>;

/** Each family's documented error statuses and codes (docs/obshell-api.md, obshell-auth.md, appgate-api.md, dbss-api.md). */
const ERROR_CODES: Record<ApiFamily, Readonly<Record<number, readonly string[]>>> = {
  obshell: {
    400: ['OB.Tenant.NotExist', 'OB.Tenant.Session.NotExist', 'Common.IllegalArgument'],
    401: [
      'Request.Header.NotFound',
      'Security.Authentication.Header.DecryptFailed',
      'Security.Authentication.IncorrectOceanbasePassword',
      'Security.Authentication.Expired',
      'Security.Authentication.Header.UriMismatch',
      'Security.Authentication.TooManyFailures',
    ],
    404: ['Common.NotFound'],
    413: ['Common.IllegalArgument'],
    414: ['Common.IllegalArgument'],
    503: ['Common.DataUnavailable'],
  },
  appgate: {
    400: ['bad_request'],
    401: ['unauthorized'],
    403: ['forbidden'],
    404: ['not_found'],
    405: ['method_not_allowed'],
    406: ['not_acceptable'],
    413: ['payload_too_large'],
    414: ['uri_too_long'],
    429: ['too_many_requests'],
    503: ['service_unavailable'],
  },
  dbss: {
    400: ['DBSS.10000001', 'DBSS.10020021'],
    401: ['DBSS.10020100'],
    403: ['DBSS.10020403'],
    404: ['DBSS.10021004'],
    405: ['DBSS.10000001'],
    413: ['DBSS.10000001'],
    414: ['DBSS.10000001'],
    // body-parser's answer to a charset or Content-Encoding it cannot decode.
    415: ['DBSS.10000001'],
    429: ['DBSS.10020429'],
    503: ['DBSS.11000503'],
  },
};

/** Routes outside the JSON APIs answer in text; 503 only from /-/ready. */
const PLAIN_STATUSES = new Set([200, 400, 404, 405, 406, 408, 413, 414, 415, 429, 431]);

/** The error code of an answer in `family`'s own error format; fails when the body is anything else. */
function errorCodeOf(family: ApiFamily, status: number, body: unknown): string {
  if (family === 'obshell') {
    expectErrorEnvelope(status, body, expect.any(String));
    return (body as { error: { errCode: string } }).error.errCode;
  }
  if (family === 'appgate') {
    expect(body).toEqual({ id: expect.any(String), message: expect.any(String) });
    return (body as { id: string }).id;
  }
  const { error_code: code, error_msg: message } = body as { error_code: string; error_msg: string };
  expect(body).toEqual({ error_code: expect.any(String), error_msg: expect.any(String), details: [{ error_code: code, error_msg: message }], encoded_authorization_message: null });
  return code;
}

function expectSuccessShape(family: ApiFamily, body: unknown): void {
  if (family === 'obshell') expect(body).toMatchObject({ successful: true, status: 200, data: expect.anything() });
  else if (family === 'appgate') expect(body).toEqual(expect.any(Object));
  else expect(Array.isArray(body)).toBe(true);
}

function describeRequest(request: FuzzRequest, answer: FuzzAnswer): string {
  const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}...(${text.length})` : text);
  const sent = `${request.method} ${cut(request.path)} ocs=${JSON.stringify(request.ocs).slice(0, 80)} headers=${cut(JSON.stringify(request.headers))}`;
  return answer.ok ? `${sent} -> ${answer.status} ${cut(answer.text)}` : `${sent} -> ${answer.error}`;
}

/** The documented answers for a request: a status its family may give, in its family's format. */
function checkAnswer(request: FuzzRequest, answer: FuzzAnswer, oversize: boolean): void {
  const context = describeRequest(request, answer);
  if (!answer.ok) {
    // A server may close the connection on a request past its limits before reading all of it.
    expect(oversize, context).toBe(true);
    return;
  }
  const { status } = answer;
  expect(status, context).not.toBe(500);
  if (request.family === 'plain') {
    const ready = request.path.startsWith('/-/ready');
    const documented = (status >= 200 && status < 300) || PLAIN_STATUSES.has(status) || (ready && status === 503);
    expect(documented, context).toBe(true);
    return;
  }
  // Node's parser answers before any route, bare: 431 to oversized headers, 400 to a
  // request-target with bytes outside ASCII. The URL and body limits answer in the family's format.
  const parserRefusal = status === 400 && answer.text === '' && /[^\x00-\x7f]/.test(request.path);
  if (status === 431 || parserRefusal) return;
  if (request.method === 'HEAD') {
    expect(status === 200 || status in ERROR_CODES[request.family], context).toBe(true);
    return;
  }
  expect(String(answer.headers['content-type']), context).toMatch(/^application\/(json|vnd\.appgate\.peer-v\d+\+json)/);
  let body: unknown;
  expect(() => (body = JSON.parse(answer.text)), context).not.toThrow();
  if (status === 200) {
    expectSuccessShape(request.family, body);
    return;
  }
  const code = withContext(context, () => errorCodeOf(request.family as ApiFamily, status, body));
  expect(ERROR_CODES[request.family][status] ?? [], `${context}\nundocumented status or code`).toContain(code);
}

function withContext<T>(context: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new Error(`${context}\n${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Addresses of their own for requests, so that one request's failed authentications do not throttle the next. */
let addressCount = 0;
function freshAddress(): string {
  addressCount += 1;
  return `127.77.${1 + (Math.floor(addressCount / 250) % 250)}.${1 + (addressCount % 250)}`;
}

describe('hostile input on every endpoint, all three API families authenticated', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;
  let dir: string;
  let publicKey: string;
  /** A real client session: it puts the proof marker into the query log and gives the MySQL target a session. */
  let client: Connection;
  let fuzzed = 0;

  const port = () => Number(new URL(exporter.url).port);

  function ocsHeaderFor(ocs: OcsHeader, uri: string): string | undefined {
    if (ocs === 'none') return undefined;
    if (typeof ocs === 'object') return ocs.raw;
    const password = ocs === 'wrong-password' ? `${PASSWORD}x` : PASSWORD;
    const forUri = ocs === 'for-another-uri' ? `${uri}/other` : uri;
    return buildObshellHeader({ publicKey, password, uri: forUri, ts: nowSeconds() + 60 }).header;
  }

  async function send(request: FuzzRequest, localAddress = freshAddress()): Promise<{ answer: FuzzAnswer; oversize: boolean }> {
    const ocsHeader = ocsHeaderFor(request.ocs, request.path);
    const answer = await sendFuzzRequest(request, { port: port(), localAddress, ocsHeader });
    return { answer, oversize: isOversize(request, ocsHeader) };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuzz-'));
    db = await startTestDatabase();
    const admin = await db.connect();
    await seedOceanBase(admin);
    // Before the exporter connects: every statement it will ever send is logged.
    await admin.query("SET GLOBAL log_output = 'TABLE'");
    await admin.query('SET GLOBAL general_log = 1');
    await admin.end();
    client = await db.connect();
    await client.query(`SELECT '${PROOF_MARKER}' AS proof`);

    const file = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    };
    exporter = await startExporterProcess({
      scrape_interval: '2s',
      targets: [
        { name: 'ob', url: db.url, flavor: 'oceanbase' },
        { name: 'my', url: db.url, flavor: 'mysql', tenant: 'main' },
      ],
      history: { path: join(dir, 'history') },
      auth: {
        obshell: { password_file: await file('obshell-password', `${PASSWORD}\n`) },
        dashboard: { tokens_file: await file('dashboard-tokens', `${DASHBOARD_TOKENS[0]}\n${DASHBOARD_TOKENS[1]} ob/t1\n`) },
        dbss: { tokens_file: await file('dbss-tokens', `${DBSS_TOKENS[0]}\n${DBSS_TOKENS[1]} my/main\n`) },
      },
    });
    const secret = (await (await fetch(`${exporter.url}/api/v1/secret`)).json()) as { data: { public_key: string } };
    publicKey = secret.data.public_key;
    // Every family answers its credential with data before the fuzz starts.
    for (const family of ['obshell', 'appgate', 'dbss'] as const) {
      await eventually(async () => expect((await probe(family, 'own')).status).toBe(200));
    }
  });

  afterAll(async () => {
    await exporter?.stop();
    await client?.end().catch(() => undefined);
    await db?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One request to a route of `family` that exists and has data, with one of the credentials below. */
  const PROBES: Record<ApiFamily, { method: string; path: string; body?: string }> = {
    obshell: { method: 'GET', path: '/api/v1/tenant/t1/sessions/stats' },
    appgate: { method: 'GET', path: '/stats/active-sessions/dashboard?target=ob&tenant=t1' },
    dbss: { method: 'POST', path: '/v1/ob/audit/t1/statistics/session/db-client', body: HOUR },
  };
  type Credential = 'own' | 'obshell' | 'obshell-password' | 'appgate' | 'appgate-as-x-auth-token' | 'dbss' | 'dbss-as-bearer' | 'missing' | 'wrong';
  const OWN: Record<ApiFamily, Credential> = { obshell: 'obshell', appgate: 'appgate', dbss: 'dbss' };

  function credentialHeaders(credential: Credential, family: ApiFamily): { headers: Array<[string, string]>; ocs: OcsHeader } {
    const none = { headers: [] as Array<[string, string]>, ocs: 'none' as const };
    switch (credential === 'own' ? OWN[family] : credential) {
      case 'obshell':
        return { ...none, ocs: 'valid' };
      case 'obshell-password':
        return { ...none, headers: [['Authorization', `Bearer ${PASSWORD}`], ['X-Auth-Token', PASSWORD]] };
      case 'appgate':
        return { ...none, headers: [['Authorization', `Bearer ${DASHBOARD_TOKENS[0]}`]] };
      case 'appgate-as-x-auth-token':
        return { ...none, headers: [['X-Auth-Token', DASHBOARD_TOKENS[0]]] };
      case 'dbss':
        return { ...none, headers: [['X-Auth-Token', DBSS_TOKENS[0]]] };
      case 'dbss-as-bearer':
        return { ...none, headers: [['Authorization', `Bearer ${DBSS_TOKENS[0]}`]] };
      case 'wrong':
        if (family === 'obshell') return { ...none, ocs: 'wrong-password' };
        return { ...none, headers: [family === 'appgate' ? ['Authorization', `Bearer ${FUZZ_MARKER}-wrong`] : ['X-Auth-Token', `${FUZZ_MARKER}-wrong`]] };
      default:
        return none;
    }
  }

  async function probe(family: ApiFamily, credential: Credential, route = PROBES[family]): Promise<{ status: number; code: string | null }> {
    const { method, path, body } = route;
    const { headers, ocs } = credentialHeaders(credential, family);
    const request: FuzzRequest = {
      family,
      method,
      path,
      headers: body === undefined ? headers : [...headers, ['Content-Type', 'application/json']],
      ocs,
      body: body === undefined ? undefined : { text: body, declareLength: true },
      sharedAddress: false,
    };
    const { answer } = await send(request);
    if (!answer.ok) throw new Error(`${family} probe: ${answer.error}`);
    const parsed: unknown = JSON.parse(answer.text);
    return { status: answer.status, code: answer.status === 200 ? null : withContext(answer.text, () => errorCodeOf(family, answer.status, parsed)) };
  }

  it(`answers ${NUM_RUNS} fuzzed requests with documented statuses in each family's own format, and stays up (seed ${SEED})`, async () => {
    const { request } = fuzzArbitraries(
      FUZZ_MARKER,
      { obshellPassword: PASSWORD, dashboardTokens: DASHBOARD_TOKENS, dbssTokens: DBSS_TOKENS },
      {
        targets: ['ob', 'my'],
        tenants: ['t1', 't2', 'idle', 'sys', 'META$1002', 'main'],
        sessionIds: ['3221588508', '3221588509', '3221588512', '0', '18446744073709551615', '18446744073709551616', '-1', '1e3'],
        queryNames: {
          obshell: ['page', 'size', 'id', 'active_only', 'observer_list', 'sort', 'user', 'db', 'host', 'target', 'svr_ip'],
          appgate: ['target', 'tenant'],
          dbss: ['target', 'time_range'],
          plain: ['target', 'debug'],
        },
        queryValues: ['1', '0', '-1', '10', '18446744073709551615', '99999999999999999999', 'true', 'maybe', 'time,desc', 'id,asc', 'info', 'id,asc,desc', 'ob', 'my', 't1', 'main', 'app', 'shop', '10.10.10.1', '10.10.10.2:2882', '[2001:db8::7]:1', '10.10.10.1:0', ''],
        recentTimes: [new Date(Date.now() - 600_000).toISOString(), new Date(Date.now() + 600_000).toISOString().replace('T', ' ').slice(0, 19), '2024-02-30 10:00:00', '2000-01-01T00:00:00Z'],
      },
    );
    const property = fc.asyncProperty(request, async (generated) => {
      fuzzed += 1;
      const { answer, oversize } = await send(generated, generated.sharedAddress ? '127.0.0.1' : undefined);
      checkAnswer(generated, answer, oversize);
    });
    try {
      await fc.assert(property, { seed: SEED, numRuns: NUM_RUNS });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `\n${error.cause.message}` : '';
      throw new Error(`fuzz failed: replay with FUZZ_SEED=${SEED} (markers start ${FUZZ_MARKER})\n${error instanceof Error ? error.message : String(error)}${cause}`);
    }
    expect(exporter.child.exitCode).toBeNull();
    expect((await fetch(`${exporter.url}/-/healthy`)).status).toBe(200);
    // The routers log their 500s; none may have happened even where the answer looked fine.
    expect(exporter.logs()).not.toMatch(/unexpected error|request failed/);
  }, 120_000);

  describe('credentials of one API family open no other', () => {
    const REFUSALS: Array<[ApiFamily, Credential, string]> = [
      ['obshell', 'appgate', 'Request.Header.NotFound'],
      ['obshell', 'dbss', 'Request.Header.NotFound'],
      ['obshell', 'missing', 'Request.Header.NotFound'],
      ['obshell', 'wrong', 'Security.Authentication.IncorrectOceanbasePassword'],
      ['appgate', 'obshell', 'unauthorized'],
      ['appgate', 'obshell-password', 'unauthorized'],
      ['appgate', 'dbss', 'unauthorized'],
      ['appgate', 'dbss-as-bearer', 'unauthorized'],
      ['appgate', 'missing', 'unauthorized'],
      ['appgate', 'wrong', 'unauthorized'],
      ['dbss', 'obshell', 'DBSS.10020100'],
      ['dbss', 'obshell-password', 'DBSS.10020100'],
      ['dbss', 'appgate', 'DBSS.10020100'],
      ['dbss', 'appgate-as-x-auth-token', 'DBSS.10020100'],
      ['dbss', 'missing', 'DBSS.10020100'],
      ['dbss', 'wrong', 'DBSS.10020100'],
    ];

    it.each(['obshell', 'appgate', 'dbss'] as const)('%s answers its own credential with data', async (family) => {
      // A target's data may be stale for a moment on a busy machine (503): the credential is what is tested.
      await eventually(async () => expect(await probe(family, 'own')).toEqual({ status: 200, code: null }));
    });

    it.each(REFUSALS)('%s refuses the %s credential: 401 %s, in its own format', async (family, credential, code) => {
      expect(await probe(family, credential)).toEqual({ status: 401, code });
    });
  });

  // Express decodes /targets/{target} before any API router runs: this once got express's plain-text 400.
  it.each([
    ['obshell', '/targets/%FF/api/v1/tenant/t1/sessions/stats', 'Common.IllegalArgument'],
    ['appgate', '/Targets/%C0%AF/admin/stats/active-sessions/dashboard', 'bad_request'],
    ['dbss', '/targets/%E2%82/v1/ob/audit/t1/statistics/session/db-client', 'DBSS.10000001'],
  ] as const)('%s answers a malformed %%-escape in the target of %s with 400 %s in its own format', async (family, path, code) => {
    expect(await probe(family, 'own', { ...PROBES[family], path })).toEqual({ status: 400, code });
  });

  it('never puts request input into SQL: no fuzzed marker in the general query log', async () => {
    expect(fuzzed, 'the fuzz runs first').toBeGreaterThanOrEqual(NUM_RUNS);
    // SQL text lookups are the statements API requests cause: one must be in the log to prove it sees them.
    const statements = await generalLog(db);
    expect(statements.some((s) => s.includes(PROOF_MARKER)), 'a client statement is logged').toBe(true);
    expect(statements.some((s) => /GV\$OB_PROCESSLIST/.test(s)), "the exporter's scrapes are logged").toBe(true);
    // The statements API requests cause, from both sources: the fuzz must have reached them for the check below to mean anything.
    expect(statements.filter((s) => /SUBSTR\(INFO, 1, |LEFT\(INFO, /.test(s)).length, 'SQL text lookups during the fuzz').toBeGreaterThan(0);
    expect(statements.filter((s) => s.toLowerCase().includes(FUZZ_MARKER))).toEqual([]);
  });
});

async function generalLog(db: TestDatabase): Promise<string[]> {
  const admin = await db.connect();
  try {
    const [rows] = await admin.query<RowDataPacket[]>('SELECT argument FROM mysql.general_log');
    return rows.map((row) => (Buffer.isBuffer(row.argument) ? row.argument.toString('utf8') : String(row.argument)));
  } finally {
    await admin.end();
  }
}
