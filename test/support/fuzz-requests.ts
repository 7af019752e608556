/**
 * Hostile HTTP requests for every endpoint of the exporter, as fast-check arbitraries, and a
 * client that sends them byte for byte (fetch refuses or normalizes much of what a hostile
 * client sends). Every random string carries a per-run marker, so that a test can look for it
 * wherever request input must never go (SQL, say).
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import fc from 'fast-check';

/** Which router answers a path, and so in which format its errors come. */
export type Family = 'obshell' | 'appgate' | 'dbss' | 'plain';

/** The credential sent in X-OCS-Header, built when sending because it must name the exact URI sent. */
export type OcsHeader = 'none' | 'valid' | 'for-another-uri' | 'wrong-password' | { readonly raw: string };

export interface FuzzRequest {
  readonly family: Family;
  readonly method: string;
  /** Path and query, exactly as sent. */
  readonly path: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly ocs: OcsHeader;
  readonly body: { readonly text: string; readonly declareLength: boolean } | undefined;
  /** From 127.0.0.1, whose failed-authentication budget the run shares, rather than an address of its own. */
  readonly sharedAddress: boolean;
}

export interface FuzzCredentials {
  readonly obshellPassword: string;
  /** Bearer tokens of auth.dashboard: one for everything, one scoped. */
  readonly dashboardTokens: readonly [string, string];
  /** X-Auth-Tokens of auth.dbss: one for everything, one scoped. */
  readonly dbssTokens: readonly [string, string];
}

/** Names and values the exporter knows (targets, tenants, session ids, parameters), so that the fuzz gets past the first lookup. */
export interface FuzzVocabulary {
  readonly targets: readonly string[];
  readonly tenants: readonly string[];
  readonly sessionIds: readonly string[];
  /** Query parameter names each family reads. */
  readonly queryNames: Readonly<Record<Family, readonly string[]>>;
  readonly queryValues: readonly string[];
  /** DBSS start_time/end_time values inside the retention. */
  readonly recentTimes: readonly string[];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'SEARCH'] as const;
/** Escapes that are not UTF-8 or not escapes at all: express refuses the first kind in path parameters. */
const PERCENT_GARBAGE = ['%', '%zz', '%FF', '%C0%AF', '%00', '%2F', '%25', '%E2%82', '..', '%2e%2e'] as const;
const NASTY = ["' OR '1'='1", '"; DROP TABLE t; --', '\\', '\u0000', '${jndi:ldap://x}', '../../etc/passwd', '<script>', '\r\n', '%s%n', '🎉租户'] as const;
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'] as const;

/** printable ASCII and Latin-1: what node lets a client put into a header value. */
const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c));
/** Big enough to pass the URL, header and body limits (8 KiB, 16 KiB, 64 KiB) at times. */
const hugeRepeat = fc.tuple(fc.constantFrom('A', '%41', "'", 'é'), fc.integer({ min: 2_000, max: 24_000 })).map(([c, n]) => c.repeat(n));

/** `arb`'s value once in `oneIn` draws, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

export interface FuzzArbitraries {
  readonly request: fc.Arbitrary<FuzzRequest>;
  /** A random string carrying the run's marker. */
  readonly marked: fc.Arbitrary<string>;
}

export function fuzzArbitraries(marker: string, credentials: FuzzCredentials, vocabulary: FuzzVocabulary): FuzzArbitraries {
  const mark = (tail: fc.Arbitrary<string>) =>
    fc.tuple(fc.string({ maxLength: 3 }), tail).map(([head, rest]) => `${head}${marker}${rest}`);
  const tail = fc.oneof(
    // Rare: a request carries several random values, and one huge value stops it at a size limit.
    { weight: 40, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
    { weight: 10, arbitrary: fc.constantFrom(...NASTY) },
    { weight: 1, arbitrary: hugeRepeat },
  );
  const marked = mark(tail);
  const markedHeaderValue = mark(fc.oneof({ weight: 60, arbitrary: fc.string({ unit: headerChar, maxLength: 40 }) }, { weight: 1, arbitrary: hugeRepeat }));
  const knownOr = (known: readonly string[], weight = 3) =>
    known.length === 0 ? marked : fc.oneof({ weight, arbitrary: fc.constantFrom(...known) }, { weight: 3, arbitrary: marked });

  /** One path segment: URI-encoded, at times with an escape that is malformed or not UTF-8. */
  const segment = (known: readonly string[]) =>
    fc
      .tuple(knownOr(known), sometimes(fc.constantFrom(...PERCENT_GARBAGE), 8))
      .map(([text, garbage]) => encodeURIComponent(text) + (garbage ?? ''));
  const target = segment(vocabulary.targets);
  const tenant = segment(vocabulary.tenants);
  const unknownTail = segment([]).map((s) => `/${s}`);
  const perTarget = target.map((t) => `/targets/${t}`);

  const family = (name: Family, paths: fc.Arbitrary<string>, methods: fc.Arbitrary<string>) =>
    fc.record({ family: fc.constant(name), path: paths, method: methods });
  const someMethod = fc.constantFrom(...METHODS);
  const mostly = (method: string) => fc.oneof({ weight: 4, arbitrary: fc.constant(method) }, { weight: 1, arbitrary: someMethod });

  const obshellPrefix = fc.oneof(fc.constant('/api/v1'), fc.constant('/API/V1'), perTarget.map((p) => `${p}/api/v1`));
  const obshellRoute = fc.oneof(
    fc.constantFrom('/info', '/secret'),
    { weight: 3, arbitrary: tenant.map((t) => `/tenant/${t}/sessions`) },
    tenant.map((t) => `/tenant/${t}/sessions/stats`),
    { weight: 3, arbitrary: fc.tuple(tenant, segment(vocabulary.sessionIds), fc.constantFrom('', '/')).map(([t, id, slash]) => `/tenant/${t}/sessions/${id}${slash}`) },
    unknownTail,
  );
  const appgatePrefix = fc.oneof(fc.constantFrom('/stats', '/admin/stats'), fc.tuple(perTarget, fc.constantFrom('/stats', '/admin/stats')).map(([p, s]) => p + s));
  const appgateRoute = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('/active-sessions/dashboard', '/active-sessions/dashboard/') }, { weight: 1, arbitrary: unknownTail });
  const dbssPrefix = fc.oneof(fc.constant('/v1'), perTarget.map((p) => `${p}/v1`));
  const dbssRoute = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(target, tenant, knownOr(['db-client', 'db-account'], 9).map(encodeURIComponent)).map(([p, i, kind]) => `/${p}/audit/${i}/statistics/session/${kind}`) },
    { weight: 1, arbitrary: unknownTail },
  );
  const plainPath = fc.oneof(
    fc.constantFrom('/', '/metrics', '/-/healthy', '/-/ready', '/-/reload'),
    unknownTail,
    fc.tuple(perTarget, unknownTail).map(([p, t]) => p + t),
  );
  const endpoint = fc.oneof(
    { weight: 3, arbitrary: family('obshell', fc.tuple(obshellPrefix, obshellRoute).map(([p, r]) => p + r), mostly('GET')) },
    { weight: 2, arbitrary: family('appgate', fc.tuple(appgatePrefix, appgateRoute).map(([p, r]) => p + r), mostly('GET')) },
    { weight: 3, arbitrary: family('dbss', fc.tuple(dbssPrefix, dbssRoute).map(([p, r]) => p + r), mostly('POST')) },
    {
      weight: 2,
      arbitrary: family('plain', plainPath, someMethod).map((e) => (e.path === '/-/reload' ? { ...e, method: 'POST' } : e)),
    },
  );

  const queryName = (names: readonly string[]) =>
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...names) },
      { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
      { weight: 2, arbitrary: marked },
      { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => `${n}[]`) },
    );
  const queryValue = fc.tuple(knownOr(vocabulary.queryValues), fc.boolean()).map(([value, encoded]) =>
    encoded ? encodeURIComponent(value) : rawQueryText(value),
  );
  const query = (family: Family) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant('') },
      {
        weight: 6,
        arbitrary: fc
          .array(fc.tuple(queryName(vocabulary.queryNames[family]), queryValue), { maxLength: 5 })
          .map((pairs) => `?${pairs.map(([n, v]) => `${encodeURIComponent(n)}=${v}`).join('&')}`),
      },
      { weight: 1, arbitrary: fc.constantFrom('?', '?&&=&', '?%zz=%zz', '?a[]=1&a[]=2', '?=', '?page', '?target&target') },
    );

  const authorization = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...credentials.dashboardTokens).map((t) => `Bearer ${t}`) },
    { weight: 3, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `bearer  ${credentials.dashboardTokens[0]} `,
        `Bearer ${credentials.dashboardTokens[0]}x`,
        `Bearer ${credentials.dashboardTokens[0]}, Bearer ${credentials.dashboardTokens[1]}`,
        credentials.dashboardTokens[0],
        `Bearer ${credentials.dbssTokens[0]}`,
        `Bearer ${credentials.obshellPassword}`,
        `Basic ${Buffer.from(`admin:${credentials.obshellPassword}`).toString('base64')}`,
        'Bearer',
        'Bearer ',
      ),
    },
    { weight: 2, arbitrary: markedHeaderValue.map((v) => `Bearer ${v}`) },
    { weight: 1, arbitrary: markedHeaderValue },
  );
  const authToken = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...credentials.dbssTokens) },
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(credentials.dashboardTokens[0], `Bearer ${credentials.dbssTokens[0]}`, ` ${credentials.dbssTokens[0]}x`, '') },
    { weight: 2, arbitrary: markedHeaderValue },
  );
  const ocs: fc.Arbitrary<OcsHeader> = fc.oneof(
    { weight: 6, arbitrary: fc.constant('valid' as const) },
    { weight: 2, arbitrary: fc.constantFrom('none' as const, 'for-another-uri' as const, 'wrong-password' as const) },
    { weight: 2, arbitrary: fc.oneof(markedHeaderValue, fc.constantFrom('AAAA', '====', 'A'.repeat(88))).map((raw) => ({ raw })) },
  );
  const optionalHeader = (name: string, values: fc.Arbitrary<string>, oneIn: number) => sometimes(values.map((v) => [name, v] as const), oneIn);
  const headers = fc
    .tuple(
      authorization.map((v) => (v === undefined ? null : (['Authorization', v] as const))),
      authToken.map((v) => (v === undefined ? null : (['X-Auth-Token', v] as const))),
      optionalHeader(
        'Accept',
        fc.oneof(
          fc.constantFrom('application/json', '*/*', 'application/vnd.appgate.peer-v22+json', 'text/html', 'application/openmetrics-text; version=1.0.0', 'application/json;q=0', 'application/json;q=2', 'application/*;q=0.5, text/plain', ';;;,,', ''),
          markedHeaderValue,
        ),
        3,
      ),
      // Mostly the JSON the DBSS API takes, so that its bodies reach the parser.
      optionalHeader(
        'Content-Type',
        fc.oneof(
          { weight: 6, arbitrary: fc.constant('application/json') },
          { weight: 3, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/json; charset=latin-9000', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x') },
          { weight: 1, arbitrary: markedHeaderValue },
        ),
        1,
      ),
      optionalHeader('Content-Encoding', fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'zstd'), markedHeaderValue), 12),
      optionalHeader('X-OCS-Auth', markedHeaderValue, 12),
      optionalHeader('X-OBSHELL-Trace-ID', markedHeaderValue, 4),
      optionalHeader('X-Forwarded-For', fc.constantFrom('10.9.9.9', '127.0.0.1, ::1'), 12),
      sometimes(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), markedHeaderValue).map(([n, v]) => [`x-fz-${n}`, v] as const), 3),
    )
    .map((list) => list.filter((h): h is readonly [string, string] => h !== null));

  const markStrings = (value: unknown, tails: string[]): unknown => {
    if (typeof value === 'string') return `${value}${marker}${tails.pop() ?? ''}`;
    if (Array.isArray(value)) return value.map((v) => markStrings(v, tails));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markStrings(v, tails)]));
    return value;
  };
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { freq: 4, nil: undefined });
  const dbssBody = fc.record(
    {
      db_id: fc.oneof(fc.array(knownOr(['test', 'shop', 'dw', '500001']), { maxLength: 4 }), marked, fc.constant(null)),
      time: fc.oneof(
        { weight: 6, arbitrary: fc.record({ time_range: maybe(knownOr(['HOUR', 'HALF_HOUR', 'MONTH', 'YEAR', ...PROTOTYPE_NAMES], 4)), start_time: maybe(knownOr(vocabulary.recentTimes, 4)), end_time: maybe(knownOr(vocabulary.recentTimes, 4)) }, { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.oneof(marked, fc.constant(null), fc.integer()) },
      ),
    },
    { requiredKeys: [] },
  );
  const bodyText = fc.oneof(
    { weight: 5, arbitrary: dbssBody.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.string({ maxLength: 8 }), { maxLength: 40 })).map(([v, tails]) => JSON.stringify(markStrings(v, tails)) ?? 'null') },
    { weight: 2, arbitrary: marked },
    { weight: 1, arbitrary: fc.constantFrom(`{"time": {"time_range": "HOUR"}, "__proto__": {"x": "${marker}"}}`, `{"time": `, `[${JSON.stringify(marker)}]`) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 6_000 }).map((n) => JSON.stringify({ time: { time_range: 'HOUR' }, db_id: Array.from({ length: n }, (_, i) => `${marker}${i}`) })) },
  );
  const body = fc.option(fc.record({ text: bodyText, declareLength: fc.boolean() }), { freq: 4, nil: undefined });

  const request = fc
    .record({ endpoint: endpoint.chain((e) => query(e.family).map((q) => ({ ...e, path: e.path + q }))), headers, ocs, body, bodyOnGet: oneIn(5), sharedAddress: oneIn(5) })
    .map(({ endpoint: e, headers: h, ocs: o, body: b, bodyOnGet, sharedAddress }): FuzzRequest => ({
      family: e.family,
      method: e.method,
      path: e.path,
      headers: h,
      ocs: o,
      // A body where one belongs, and at times where none does.
      body: e.method !== 'GET' && e.method !== 'HEAD' ? b : bodyOnGet ? b : undefined,
      sharedAddress,
    }));
  return { request, marked };
}

const oneIn = (n: number) => fc.integer({ min: 1, max: n }).map((i) => i === 1);

/** Query text sent without URI-encoding where node lets a client: `&`, `=`, `#` and spaces would change the request's shape. */
function rawQueryText(value: string): string {
  return [...value].map((c) => (/[\u0021-\u00ff]/.test(c) && !'&=#%'.includes(c) ? c : encodeURIComponent(c))).join('');
}

export interface SendOptions {
  readonly port: number;
  readonly localAddress: string;
  /** The X-OCS-Header value, when one is sent. */
  readonly ocsHeader: string | undefined;
  readonly timeoutMs?: number;
}

export type FuzzAnswer =
  | { readonly ok: true; readonly status: number; readonly headers: IncomingHttpHeaders; readonly text: string }
  | { readonly ok: false; readonly error: string };

/** Sends a request on a connection of its own from `localAddress`; network errors become answers, not throws. */
export function sendFuzzRequest(request: FuzzRequest, options: SendOptions): Promise<FuzzAnswer> {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of request.headers) headers[name] = value;
  if (options.ocsHeader !== undefined) headers['X-OCS-Header'] = options.ocsHeader;
  const body = request.body === undefined ? undefined : Buffer.from(request.body.text, 'utf8');
  // Node chunks a body without a length only for some methods; unframed bytes would be read as a second request.
  if (body !== undefined) headers[request.body?.declareLength ? 'Content-Length' : 'Transfer-Encoding'] = request.body?.declareLength ? String(body.length) : 'chunked';
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: FuzzAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    let req;
    try {
      req = httpRequest({
        host: '127.0.0.1',
        port: options.port,
        localAddress: options.localAddress,
        method: request.method,
        path: request.path,
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 15_000,
      });
    } catch (error) {
      // node refused to send it (a header or path it considers invalid): a generator bug.
      settle({ ok: false, error: `not sendable: ${String(error)}` });
      return;
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => settle({ ok: true, status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => settle({ ok: false, error: String(error) }));
    });
    req.on('timeout', () => {
      req.destroy(new Error('no answer in time'));
    });
    req.on('error', (error) => settle({ ok: false, error: String(error) }));
    req.end(body);
  });
}

/** Whether a request is beyond a size limit, where the server may close the connection before reading it all. */
export function isOversize(request: FuzzRequest, ocsHeader: string | undefined): boolean {
  const headerBytes = request.headers.reduce((sum, [name, value]) => sum + name.length + value.length + 4, ocsHeader?.length ?? 0);
  return request.path.length > 8_192 || headerBytes > 16_000 || Buffer.byteLength(request.body?.text ?? '') > 65_536;
}
