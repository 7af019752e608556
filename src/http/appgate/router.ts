import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from '../../logging/logger.js';
import type { SnapshotStore } from '../../scrape/target-view.js';
import { activeSessionsDashboard, type DashboardBounds } from '../../views/dashboard.js';
import { requestLimitOf } from '../limits.js';
import type { ApiMount } from '../server.js';
import { bearerTokenOf, type TokenGate } from '../tokens-file.js';
import { negotiateJson } from './accept.js';
import { parseDashboardScope, snapshotsInScope, type DashboardScope } from './dashboard-scope.js';
import { AppgateError, badRequest, quoted, sendAppgateError } from './errors.js';

export const DASHBOARD_PATH = '/active-sessions/dashboard';

export interface AppgateApiOptions {
  readonly store: SnapshotStore;
  /** Bearer tokens of `auth.dashboard.tokens_file`; a gate without tokens lets everyone in. */
  readonly gate: TokenGate;
  readonly log: Logger;
  readonly bounds?: DashboardBounds;
}

const CHALLENGE = 'Bearer realm="db-session-exporter"';

function authorize(req: Request, gate: TokenGate, scope: DashboardScope): void {
  const presented = bearerTokenOf(req.get('authorization'));
  const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const result = gate.check(presented, client, scope.target, scope.tenant);
  switch (result.outcome) {
    case 'ok':
      return;
    case 'rate_limited':
      throw new AppgateError(429, 'too_many_requests', 'Too many failed authentications from this address; retry later.', {
        'Retry-After': String(Math.ceil(result.retryAfterMs / 1000)),
      });
    case 'forbidden':
      throw new AppgateError(403, 'forbidden', 'The token is not allowed this target or tenant.');
    case 'unauthenticated':
      throw new AppgateError(401, 'unauthorized', 'Token error: a valid bearer token is required. Login again.', {
        'WWW-Authenticate': presented === undefined ? CHALLENGE : `${CHALLENGE}, error="invalid_token"`,
      });
  }
}

/**
 * Appgate's active-sessions dashboard over the exporter's snapshots. Mounted at /stats and at
 * /admin/stats (Appgate's own admin API path), and under /targets/{target}/ for both.
 */
export function createAppgateApi(options: AppgateApiOptions): ApiMount[] {
  const { store, gate, log } = options;
  const router = Router({ mergeParams: true });

  router.get(DASHBOARD_PATH, (req, res) => {
    const type = negotiateJson(req.get('accept'));
    if (type === null) {
      throw new AppgateError(406, 'not_acceptable', 'Invalid Accept header: use application/json or application/vnd.appgate.peer-v<N>+json.');
    }
    const scope = parseDashboardScope((req.params as { target?: string }).target, req.query);
    authorize(req, gate, scope);
    const dashboard = activeSessionsDashboard(snapshotsInScope(store, scope), scope.tenant, options.bounds);
    res.status(200).type(type).json(dashboard);
  });
  router.all(DASHBOARD_PATH, (req) => {
    throw new AppgateError(405, 'method_not_allowed', `${req.method} is not allowed here: use GET.`, { Allow: 'GET, HEAD' });
  });
  router.use((req) => {
    throw new AppgateError(404, 'not_found', `No route for ${req.method} ${quoted(req.path)}.`);
  });
  const errors = renderError(log);
  router.use(errors);

  const links = [{ href: `./stats${DASHBOARD_PATH}`, text: 'Appgate-compatible active-sessions dashboard' }];
  return [
    { path: '/stats', router, errors, links },
    { path: '/admin/stats', router, errors },
  ];
}

/** Appgate's ids for the size and time limits: its own error ids are snake-case HTTP reasons. */
const LIMIT_IDS = { 408: 'request_timeout', 413: 'payload_too_large', 414: 'uri_too_long' } as const;

function renderError(log: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next) => {
    // A body parser that gives up after the response went (a request that timed out) has nothing to add.
    if (res.headersSent) return next(error);
    const limit = requestLimitOf(error);
    if (limit !== null) {
      sendAppgateError(res, new AppgateError(limit.status, LIMIT_IDS[limit.status], `${limit.message[0]!.toUpperCase()}${limit.message.slice(1)}.`, limit.headers));
      return;
    }
    if (error instanceof AppgateError) {
      sendAppgateError(res, error);
      return;
    }
    // express's own 400s, such as a malformed %-escape in the path.
    if ((error as { status?: unknown }).status === 400) {
      sendAppgateError(res, badRequest('The request path or query is malformed.'));
      return;
    }
    log.error({ err: error instanceof Error ? error.message : String(error), path: req.path }, 'Appgate API: unexpected error');
    sendAppgateError(res, new AppgateError(500, 'internal_error', 'Unexpected server side error.'));
  };
}
