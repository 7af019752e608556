import { Router, type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import { PrometheusError } from '../../history-prometheus/client.js';
import type { GroupBy, HistoryStore } from '../../history/store.js';
import type { Logger } from '../../logging/logger.js';
import type { SnapshotStore, TargetView } from '../../scrape/target-view.js';
import type { TargetSnapshot } from '../../snapshot/snapshot.js';
import { dbAccountItems, dbClientItems, schemaIds, schemasNamed } from '../../views/distribution.js';
import { quoted } from '../appgate/errors.js';
import { jsonBody, requestLimitOf } from '../limits.js';
import type { ApiMount } from '../server.js';
import type { TokenGate } from '../tokens-file.js';
import { DBSS_CODES, DbssError, invalidId, invalidRequest, sendDbssError, unavailable } from './errors.js';
import { parseDistributionBody } from './request.js';

/** How far back the history answers. */
export interface Retention {
  readonly ms: number;
  /** What sets it, for messages: "<source> is 31d". */
  readonly source: string;
}

/** Where the session counts come from, and how far back they reach. */
export interface DbssHistory {
  /** The embedded store or the Prometheus-backed one. */
  readonly counts: Pick<HistoryStore, 'query'>;
  /** Asked at every request: the Prometheus-backed mode may ask its store (a PrometheusError is a 503). */
  retention(): Promise<Retention>;
}

export interface DbssApiOptions {
  /** Configured targets and how their scraping goes. */
  readonly store: SnapshotStore;
  /** A target's latest snapshot, stale or not: its tenants and schema ids. */
  readonly latest: (target: string) => TargetSnapshot | undefined;
  /** null: `history` is not configured. */
  readonly history: DbssHistory | null;
  /** `auth.dbss.tokens_file`; a gate without tokens lets everyone in. */
  readonly gate: TokenGate;
  readonly log: Logger;
  readonly now?: () => number;
}

const STATISTICS = '/:project_id/audit/:instance_id/statistics/session';
const ENDPOINTS: ReadonlyArray<{ path: string; by: GroupBy }> = [
  { path: `${STATISTICS}/db-client`, by: 'client' },
  { path: `${STATISTICS}/db-account`, by: 'account' },
];

interface Scope {
  readonly target: string;
  readonly tenant: string;
}

/**
 * Huawei DBSS's session distribution statistics (seed dbss-client-session-distribution.txt)
 * over the session history: `project_id` names the target, `instance_id` the tenant. Mounted at
 * /v1, and under /targets/{target}/v1 where project_id must be that target.
 */
export function createDbssApi(options: DbssApiOptions): ApiMount {
  const router = Router({ mergeParams: true });
  const now = options.now ?? Date.now;

  for (const { path, by } of ENDPOINTS) {
    router.post(path, (req, _res, next) => authorize(req, options.gate, next), jsonBody, async (req: Request, res: Response) => {
      const items = await distribution(req, by, options, now());
      res.status(200).json(items);
    });
    router.all(path, (req) => {
      throw new DbssError(405, DBSS_CODES.invalidRequest, `${req.method} is not allowed here: use POST`, { Allow: 'POST' });
    });
  }
  router.use((req) => {
    throw new DbssError(404, DBSS_CODES.notFound, `no DBSS API at ${req.method} ${quoted(req.originalUrl.split('?')[0] ?? '')}`);
  });
  const errors = renderError(options.log);
  router.use(errors);
  return { path: '/v1', router, errors };
}

function scopeOf(req: Request): Scope {
  const params = req.params as { target?: string; project_id?: string; instance_id?: string };
  const target = params.project_id ?? '';
  if (params.target !== undefined && params.target !== target) {
    throw invalidId(`project_id ${quoted(target)} contradicts the path's target ${quoted(params.target)}`);
  }
  return { target, tenant: params.instance_id ?? '' };
}

const TOKEN_HEADER = 'X-Auth-Token';

function authorize(req: Request, gate: TokenGate, next: NextFunction): void {
  const { target, tenant } = scopeOf(req);
  const presented = req.get(TOKEN_HEADER);
  const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const result = gate.check(presented, client, target, tenant);
  switch (result.outcome) {
    case 'ok':
      return next();
    case 'rate_limited':
      throw new DbssError(429, DBSS_CODES.tooManyFailures, 'too many failed authentications from this address: retry later', {
        'Retry-After': String(Math.ceil(result.retryAfterMs / 1000)),
      });
    case 'forbidden':
      throw new DbssError(403, DBSS_CODES.forbidden, `the token is not allowed target ${quoted(target)}, tenant ${quoted(tenant)}`);
    case 'unauthenticated':
      throw new DbssError(401, DBSS_CODES.unauthenticated, `failed to authenticate the token in the request: send a valid token in ${TOKEN_HEADER}`);
  }
}

async function distribution(req: Request, by: GroupBy, options: DbssApiOptions, now: number): Promise<object[]> {
  const { history } = options;
  if (history === null) {
    throw new DbssError(404, DBSS_CODES.notFound, 'session history is off: configure history (path or prometheus_url) to answer session statistics');
  }
  const { target, tenant } = scopeOf(req);
  const view = options.store.target(target);
  if (view === undefined) throw invalidId(`project_id ${quoted(target)} is not a configured target`);
  const request = parseDistributionBody(req.body, now);
  const retention = await history.retention();
  const oldest = now - retention.ms;
  if (request.from < oldest) {
    throw invalidRequest(
      `time: the window starts at ${iso(request.from)}, beyond the history's retention (${retention.source} is ${duration(retention.ms)}: nothing before ${iso(oldest)} is kept)`,
    );
  }
  const snapshot = usableSnapshot(view, options.latest(target), request.to);
  if (!holdsTenant(snapshot, tenant)) throw invalidId(`instance_id ${quoted(tenant)} is not a tenant of target ${quoted(target)}`);
  const ids = schemaIds(snapshot.databases, tenant);
  const query = { target, tenant, from: request.from, to: request.to, dbs: request.dbIds && schemasNamed(request.dbIds, ids) };
  return by === 'client'
    ? dbClientItems(await history.counts.query({ ...query, by: 'client' }), ids)
    : dbAccountItems(await history.counts.query({ ...query, by: 'account' }), ids);
}

/**
 * Clarification 1 for windows: a target that is down or stale answers 503 when the window
 * reaches past its last successful scrape, as the history is incomplete there; a window that
 * ended by then is complete and answered. The latest snapshot, stale or not, says which tenants
 * and schema ids the target has.
 */
function usableSnapshot(view: TargetView, latest: TargetSnapshot | undefined, to: number): TargetSnapshot {
  const snapshot = view.snapshot ?? latest;
  const lastGood = view.status.lastSuccessAt;
  if (snapshot === undefined || (view.snapshot === null && to > lastGood)) {
    const since = lastGood > 0 ? `its last successful scrape was at ${iso(lastGood)}` : 'it has not been scraped successfully yet';
    throw unavailable(`session data of target ${quoted(view.name)} is unavailable: the target is down or its data is stale (${since}); windows that end by then can be answered`);
  }
  return snapshot;
}

function holdsTenant(snapshot: TargetSnapshot, tenant: string): boolean {
  return snapshot.tenants.some((t) => t.name === tenant) || snapshot.sessions.some((s) => s.tenant === tenant);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A retention as configured: in the largest unit it is a whole number of. */
function duration(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
}

function renderError(log: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next) => {
    // A body parser that gives up after the response went (a request that timed out) has nothing to add.
    if (res.headersSent) return next(error);
    if (error instanceof DbssError) return sendDbssError(res, error);
    const parserError = bodyParserError(error);
    if (parserError !== null) return sendDbssError(res, parserError);
    if (error instanceof PrometheusError) {
      log.warn({ err: error.message, path: req.path }, 'DBSS API: history store unavailable');
      return sendDbssError(res, unavailable(`the session history cannot be read: ${error.message}`));
    }
    log.error({ err: error instanceof Error ? error.message : String(error), path: req.path }, 'DBSS API: unexpected error');
    sendDbssError(res, new DbssError(500, DBSS_CODES.internal, 'internal system exception'));
  };
}

/** The size and time limits, body-parser's and express's own 4xx errors, in DBSS's format. */
function bodyParserError(error: unknown): DbssError | null {
  const limit = requestLimitOf(error);
  if (limit !== null) return new DbssError(limit.status, DBSS_CODES.invalidRequest, limit.message, limit.headers);
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (type === 'entity.parse.failed') return invalidRequest('the request body is not valid JSON');
  if (typeof status === 'number' && status >= 400 && status < 500) return new DbssError(status, DBSS_CODES.invalidRequest, 'the request is malformed');
  return null;
}
