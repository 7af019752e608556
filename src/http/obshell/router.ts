import { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../../config/schema.js';
import { parseIp } from '../../geoip/ip-address.js';
import type { Logger } from '../../logging/logger.js';
import type { SnapshotStore } from '../../scrape/target-view.js';
import type { Session } from '../../snapshot/session.js';
import { sessionKey } from '../../snapshot/session.js';
import { findSessions, listSessions, tenantSessions } from '../../views/obshell-sessions.js';
import { sessionStats } from '../../views/obshell-stats.js';
import { requestLimitOf } from '../limits.js';
import type { ApiMount } from '../server.js';
import { resolveObshellAuth, type ObshellAuthConfig, type ObshellAuthSettings } from './auth/config.js';
import { publicKeyBase64 } from './auth/key.js';
import { obshellAuth } from './auth/middleware.js';
import { sendObshellData, sendObshellError, startObshellTimer } from './envelope.js';
import { ObshellErrCode, ObshellError, dataUnavailable, illegalArgument, quote, sessionNotExist } from './errors.js';
import { parseSessionId, parseSessionListQuery, parseSvrIp, singleValue } from './list-query.js';
import {
  toCustomPage,
  toTenantSession,
  toTenantSessionStats,
  type AgentInfo,
  type AgentSecret,
  type PaginatedTenantSessions,
  type TenantSession,
} from './responses.js';
import { locateTenant, type TenantData } from './tenant-lookup.js';

/**
 * The obshell release whose session API this implements. obshell's SDKs and web UI read
 * `version` to decide what an agent can do (auth v2 needs 4.2.3.0 or later, the session API
 * 4.5.0.0); the exporter's own version would make them treat it as an ancient agent.
 */
export const OBSHELL_COMPATIBLE_VERSION = '4.5.0.0';

/** SQL text lookups per statement: the OR-list of a long page stays a reasonable query. */
const INFO_BATCH = 500;

export interface ObshellApiOptions {
  readonly store: SnapshotStore;
  readonly log: Logger;
}

export interface ObshellApi {
  readonly mount: ApiMount;
  /**
   * Resolves the auth and API settings of a (re)loaded config without applying them; the
   * returned function applies them. A reload that fails elsewhere then changes nothing here.
   */
  prepare(config: Config): Promise<() => void>;
}

interface ApiState {
  readonly keyFile: string | undefined;
  readonly auth: ObshellAuthSettings;
  readonly authenticate: RequestHandler;
  /** Clarification 5: SQL text only behind authentication, or when explicitly allowed. */
  readonly sqlText: boolean;
}

/** obshell's tenant session API, /api/v1/info and /api/v1/secret, in obshell's envelope. */
export async function createObshellApi(options: ObshellApiOptions, config: Config): Promise<ObshellApi> {
  const { store, log } = options;
  let state = await nextState(undefined, config);

  const router = Router({ mergeParams: true });
  router.use(startObshellTimer);
  router.get('/info', (req, res) => sendObshellData(res, agentInfo(req, state.auth)));
  router.get('/secret', (req, res) => {
    const secret: AgentSecret = { ...localAddress(req), public_key: publicKeyBase64(state.auth.key) };
    sendObshellData(res, secret);
  });
  router.use((req, res, next) => state.authenticate(req, res, next));
  router.get('/tenant/:name/sessions', async (req, res) => {
    const query = parseSessionListQuery(req.query);
    const tenant = tenantOf(req);
    const page = listSessions(tenantSessions(tenant.snapshot.sessions, nameOf(req)), query);
    const contents = await withInfo(tenant, page.sessions);
    const data: PaginatedTenantSessions = { page: toCustomPage(page, query), contents };
    sendObshellData(res, data);
  });
  router.get('/tenant/:name/sessions/stats', (req, res) => {
    const tenant = tenantOf(req);
    sendObshellData(res, toTenantSessionStats(sessionStats(tenantSessions(tenant.snapshot.sessions, nameOf(req)))));
  });
  router.get('/tenant/:name/sessions/:sessionId', async (req, res) => {
    const text = String(req.params.sessionId);
    const id = parseSessionId(text);
    const observer = parseSvrIp(req.query);
    const tenant = tenantOf(req);
    const matches = findSessions(tenantSessions(tenant.snapshot.sessions, nameOf(req)), id, observer);
    const [only] = matches;
    if (only === undefined) throw sessionNotExist(text);
    if (matches.length > 1) {
      const observers = matches.map((s) => (s.svr_ip.includes(':') ? `[${s.svr_ip}]:${s.svr_port}` : `${s.svr_ip}:${s.svr_port}`));
      throw illegalArgument('svr_ip', `session ${quote(text)} exists on observers ${observers.join(', ')}: add ?svr_ip=ip or ?svr_ip=ip:port`);
    }
    const [session] = await withInfo(tenant, [only]);
    sendObshellData(res, session);
  });
  router.use((req, res) => {
    sendObshellError(res, 404, ObshellErrCode.NotFound, `No route for ${req.method} ${quote(req.path)}.`);
  });
  const errors = renderError(log);
  router.use(errors);

  /** Keeps the SQL text to the sessions of the page being returned. */
  async function withInfo(tenant: TenantData, sessions: readonly Session[]): Promise<TenantSession[]> {
    if (!state.sqlText || sessions.length === 0) return sessions.map((s) => toTenantSession(s, ''));
    const info = await readInfo(tenant.target, sessions);
    return sessions.map((s) => toTenantSession(s, info.get(sessionKey(s)) ?? ''));
  }

  async function readInfo(target: string, sessions: readonly Session[]): Promise<Map<string, string>> {
    const source = store.sourceOf(target);
    if (source === undefined) throw dataUnavailable(`target ${quote(target)} is no longer configured`);
    const info = new Map<string, string>();
    try {
      for (let i = 0; i < sessions.length; i += INFO_BATCH) {
        for (const [key, text] of await source.readInfo(sessions.slice(i, i + INFO_BATCH))) info.set(key, text);
      }
    } catch (error) {
      log.warn({ target, err: error instanceof Error ? error.message : String(error) }, 'obshell API: cannot read SQL text');
      throw dataUnavailable(`the SQL text of target ${quote(target)} cannot be read now`);
    }
    return info;
  }

  function tenantOf(req: Request): TenantData {
    return locateTenant(store.targets(), nameOf(req), targetOf(req));
  }

  async function nextState(previous: ApiState | undefined, next: Config): Promise<ApiState> {
    const authConfig: ObshellAuthConfig | undefined = next.auth?.obshell;
    const resolved = await resolveObshellAuth(authConfig);
    const keyFile = authConfig?.private_key_file;
    // A generated key lives as long as the process: clients that fetched it stay valid across reloads.
    const key = previous !== undefined && keyFile === undefined && previous.keyFile === undefined ? previous.auth.key : resolved.key;
    const auth: ObshellAuthSettings = { ...resolved, key };
    const sqlText = auth.password !== undefined || next.api.expose_sql_text;
    if (previous !== undefined && sameAuth(previous.auth, auth)) return { ...previous, keyFile, sqlText };
    // A new middleware starts a new replay cache; harmless, as headers for the old password or key fail anyway.
    const authenticate = obshellAuth({
      ...auth,
      logger: log,
      onError: (res, status, errCode, message) => sendObshellError(res, status, errCode, message),
    });
    return { keyFile, auth, authenticate, sqlText };
  }

  return {
    mount: { path: '/api/v1', router, errors, links: [{ href: './api/v1/info', text: 'obshell-compatible API' }] },
    async prepare(next) {
      const prepared = await nextState(state, next);
      return () => {
        state = prepared;
      };
    },
  };
}

function sameAuth(a: ObshellAuthSettings, b: ObshellAuthSettings): boolean {
  return a.password === b.password && a.maxTsAheadMs === b.maxTsAheadMs && a.key.equals(b.key);
}

function nameOf(req: Request): string {
  return String(req.params.name);
}

/** The `/targets/{target}` prefix or `?target=`; both must agree when both are given. */
function targetOf(req: Request): string | undefined {
  const fromPath = (req.params as { target?: string }).target;
  const fromQuery = singleValue(req.query, 'target');
  if (fromPath !== undefined && fromQuery !== undefined && fromQuery !== fromPath) {
    throw illegalArgument('target', `${quote(fromQuery)} contradicts the path's target ${quote(fromPath)}`);
  }
  return fromPath ?? fromQuery;
}

/** GET /api/v1/info as obshell answers it, so that its clients pick auth v2 and send the password. */
function agentInfo(req: Request, auth: ObshellAuthSettings): AgentInfo {
  const passwordSet = auth.password !== undefined;
  return {
    ...localAddress(req),
    // SINGLE makes obshell's clients drop the password; CLUSTER AGENT makes them send it.
    identity: passwordSet ? 'CLUSTER AGENT' : 'SINGLE',
    version: OBSHELL_COMPATIBLE_VERSION,
    security: passwordSet,
    supportedAuth: ['v2'],
    isObproxyAgent: false,
  };
}

function localAddress(req: Request): { ip: string; port: number } {
  const address = req.socket.localAddress ?? '';
  return { ip: parseIp(address)?.text ?? address, port: req.socket.localPort ?? 0 };
}

/**
 * Thrown ObshellErrors as they are; express's own 400s (a malformed %-escape) and the size and
 * time limits as illegal arguments (obshell has no code of its own for them); the rest a 500.
 */
function renderError(log: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next) => {
    // A body parser that gives up after the response went (a request that timed out) has nothing to add.
    if (res.headersSent) return next(error);
    const limit = requestLimitOf(error);
    if (limit !== null) {
      res.set(limit.headers);
      sendObshellError(res, limit.status, ObshellErrCode.IllegalArgument, `The request is refused: ${limit.message}.`);
      return;
    }
    if (error instanceof ObshellError) {
      sendObshellError(res, error.status, error.errCode, error.message);
      return;
    }
    const status = (error as { status?: unknown }).status;
    if (status === 400) {
      sendObshellError(res, 400, ObshellErrCode.IllegalArgument, 'The request path or query is malformed.');
      return;
    }
    log.error({ err: error instanceof Error ? error.message : String(error), path: req.path }, 'obshell API: unexpected error');
    sendObshellError(res, 500, ObshellErrCode.Unexpected, 'Unexpected error.');
  };
}
