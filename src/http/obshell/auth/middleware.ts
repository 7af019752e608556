import type { KeyObject } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { DEFAULT_FAILURE_LIMIT, FailureLimiter, type FailureLimit } from '../../failure-limiter.js';
import type { AesKeys } from './header.js';
import { ReplayCache } from './replay-cache.js';
import {
  DEFAULT_MAX_TS_AHEAD_MS,
  ObshellAuthErrCode,
  createObshellVerifier,
  describeForLog,
  tooManyFailures,
  type AuthFailure,
} from './verify.js';

/** What the middleware logs with; a pino Logger fits. */
export interface AuthLogger {
  warn(fields: object, message: string): void;
}

export interface ObshellAuthOptions {
  /** undefined: no password configured, every request passes (the seeds: "if a password is set"). */
  readonly password: string | undefined;
  readonly key: KeyObject;
  readonly maxTsAheadMs?: number;
  /** Renders the failure; the router answers in obshell's envelope. */
  readonly onError: (res: Response, status: number, errCode: string, message: string) => void;
  readonly logger?: AuthLogger;
  /** Per client address; false turns limiting off. */
  readonly failureLimit?: FailureLimit | false;
  readonly replayCacheEntries?: number;
  readonly now?: () => number;
}

const KEYS_LOCAL = 'obshellKeys';

/**
 * Express middleware for obshell's "API hybrid encryption". On success the header's AES Keys
 * are kept for the handler (see obshellKeysOf) and the request goes on; on failure onError
 * renders a 401 and nothing else runs.
 */
export function obshellAuth(options: ObshellAuthOptions): RequestHandler {
  if (options.password === undefined) return (_req, _res, next) => next();
  const now = options.now ?? Date.now;
  const verify = createObshellVerifier({
    key: options.key,
    password: options.password,
    maxTsAheadMs: options.maxTsAheadMs ?? DEFAULT_MAX_TS_AHEAD_MS,
    replayCache: new ReplayCache(options.replayCacheEntries),
    now,
  });
  const limiter = options.failureLimit === false ? undefined : new FailureLimiter(options.failureLimit ?? DEFAULT_FAILURE_LIMIT);

  return (req, res, next) => {
    // A router mounted twice (at / and under /targets/:name) runs this twice per request; the
    // second run would take the header for a replay.
    if (KEYS_LOCAL in res.locals) {
      next();
      return;
    }
    const client = clientAddress(req);
    const waitMs = limiter?.retryAfterMs(client, now()) ?? 0;
    if (waitMs > 0) {
      reject(res, tooManyFailures(waitMs));
      return;
    }
    const result = verify({ header: req.get('X-OCS-Header'), legacyHeader: req.get('X-OCS-Auth'), uri: req.originalUrl });
    if (result.ok) {
      res.locals[KEYS_LOCAL] = result.keys;
      next();
      return;
    }
    // A missing header is a client that does not know about auth yet, not a guess.
    const counted = result.errCode !== ObshellAuthErrCode.HeaderNotFound;
    const exhausted = counted && limiter !== undefined && limiter.recordFailure(client, now());
    options.logger?.warn(
      { ...describeForLog(result), client, method: req.method, path: req.originalUrl.split('?', 1)[0], limited: exhausted },
      exhausted ? 'obshell authentication failed; client reached the failure limit' : 'obshell authentication failed',
    );
    reject(res, result);
  };

  function reject(res: Response, failure: AuthFailure): void {
    options.onError(res, failure.status, failure.errCode, failure.message);
  }
}

/** The AES Keys of an authenticated request (null when the client sent none or auth is off). */
export function obshellKeysOf(res: Response): AesKeys | null {
  const keys: unknown = res.locals[KEYS_LOCAL];
  return isAesKeys(keys) ? keys : null;
}

function isAesKeys(value: unknown): value is AesKeys {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as AesKeys).key) && Buffer.isBuffer((value as AesKeys).iv);
}

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
