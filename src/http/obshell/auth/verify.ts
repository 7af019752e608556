import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decryptHeader, type AesKeys } from './header.js';
import { ReplayCache } from './replay-cache.js';

/** obshell's errCodes, plus one of ours for clients over the failure limit. */
export const ObshellAuthErrCode = {
  HeaderNotFound: 'Request.Header.NotFound',
  DecryptFailed: 'Security.Authentication.Header.DecryptFailed',
  IncorrectPassword: 'Security.Authentication.IncorrectOceanbasePassword',
  Expired: 'Security.Authentication.Expired',
  UriMismatch: 'Security.Authentication.Header.UriMismatch',
  TooManyFailures: 'Security.Authentication.TooManyFailures',
} as const;
export type ObshellAuthErrCode = (typeof ObshellAuthErrCode)[keyof typeof ObshellAuthErrCode];

export interface AuthSuccess {
  readonly ok: true;
  readonly keys: AesKeys | null;
}

/** `message` is for the client, `reason` for the log; neither ever holds the password or the header. */
export interface AuthFailure {
  readonly ok: false;
  readonly status: 401;
  readonly errCode: ObshellAuthErrCode;
  readonly message: string;
  readonly reason: string;
}

export type AuthResult = AuthSuccess | AuthFailure;

export interface AuthRequest {
  /** X-OCS-Header (obshell auth v2). */
  readonly header: string | undefined;
  /** X-OCS-Auth (obshell auth v1), only to explain why it is refused. */
  readonly legacyHeader?: string | undefined;
  /** The request target exactly as sent, query string included. */
  readonly uri: string;
}

export interface VerifierOptions {
  readonly key: KeyObject;
  readonly password: string;
  /** How far in the future a header's Ts may be. */
  readonly maxTsAheadMs: number;
  readonly replayCache?: ReplayCache;
  readonly now?: () => number;
}

export type ObshellVerifier = (request: AuthRequest) => AuthResult;

/** Default max_ts_ahead: obshell's web UI builds headers valid for 30 minutes. */
export const DEFAULT_MAX_TS_AHEAD_MS = 35 * 60_000;

const SECRET_HINT = 'fetch the public key from GET /api/v1/secret';
const MAX_URI_IN_MESSAGE = 200;

export function createObshellVerifier(options: VerifierOptions): ObshellVerifier {
  const passwordDigest = sha256(options.password);
  const replayCache = options.replayCache ?? new ReplayCache();
  const now = options.now ?? Date.now;

  return (request) => {
    if (request.header === undefined || request.header === '') return missingHeader(request.legacyHeader !== undefined);
    const decrypted = decryptHeader(options.key, request.header);
    if (!decrypted.ok) return decryptFailed(decrypted.reason);
    const { auth, ts, uri, keys } = decrypted.fields;
    // Constant time: equal-length digests, so neither length nor content of the password leaks.
    if (!timingSafeEqual(sha256(auth), passwordDigest)) {
      return failure(ObshellAuthErrCode.IncorrectPassword, 'Incorrect password.', 'incorrect password');
    }
    const nowMs = now();
    const timeProblem = checkTs(ts, nowMs, options.maxTsAheadMs);
    if (timeProblem !== null) return timeProblem;
    if (uri !== request.uri) return uriMismatch(request.uri);
    const replayKey = sha256(request.header).toString('base64');
    if (replayCache.has(replayKey, nowMs)) {
      return failure(
        ObshellAuthErrCode.Expired,
        'Header X-OCS-Header was already used: build a fresh header for every request.',
        'replayed header',
      );
    }
    // Only now, after full authentication, so that forged headers cannot fill the cache.
    replayCache.add(replayKey, endOfSecond(ts), nowMs);
    return { ok: true, keys };
  };
}

/** Log fields for a verification result: codes and reasons, never secrets. */
export function describeForLog(result: AuthResult): { outcome: 'accepted' } | { outcome: 'rejected'; errCode: string; reason: string } {
  return result.ok ? { outcome: 'accepted' } : { outcome: 'rejected', errCode: result.errCode, reason: result.reason };
}

export function tooManyFailures(retryAfterMs: number): AuthFailure {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return failure(
    ObshellAuthErrCode.TooManyFailures,
    `Too many failed authentication attempts from this address: retry in ${seconds} s.`,
    'over the failure limit',
  );
}

function checkTs(ts: number, nowMs: number, maxTsAheadMs: number): AuthFailure | null {
  const nowSeconds = Math.floor(nowMs / 1000);
  // obshell: expired when now > Ts, both in whole seconds.
  if (nowSeconds > ts) {
    return failure(
      ObshellAuthErrCode.Expired,
      `Header X-OCS-Header has expired: its Ts is before the server time (${nowSeconds}); check the client clock.`,
      'ts in the past',
    );
  }
  if (ts * 1000 - nowMs > maxTsAheadMs) {
    return failure(
      ObshellAuthErrCode.Expired,
      `Header X-OCS-Header expires too far in the future: Ts may be at most ${Math.floor(maxTsAheadMs / 1000)} s after the server time (${nowSeconds}).`,
      'ts too far ahead',
    );
  }
  return null;
}

function missingHeader(legacyOnly: boolean): AuthFailure {
  const message = legacyOnly
    ? `Header X-OCS-Auth (obshell authentication v1) is not supported: send X-OCS-Header (v2); ${SECRET_HINT}.`
    : `This API requires authentication: send header X-OCS-Header; ${SECRET_HINT}.`;
  return failure(ObshellAuthErrCode.HeaderNotFound, message, legacyOnly ? 'v1 header only' : 'no header');
}

function decryptFailed(reason: string): AuthFailure {
  return failure(
    ObshellAuthErrCode.DecryptFailed,
    `Header X-OCS-Header could not be decrypted into JSON with Auth, Ts and Uri: ${SECRET_HINT} and encrypt with it.`,
    reason,
  );
}

function uriMismatch(requestUri: string): AuthFailure {
  const shown = requestUri.length > MAX_URI_IN_MESSAGE ? `${requestUri.slice(0, MAX_URI_IN_MESSAGE)}...` : requestUri;
  return failure(
    ObshellAuthErrCode.UriMismatch,
    `Header X-OCS-Header was built for another URI: Uri must equal the request URI exactly as sent, query string included (${shown}).`,
    'uri mismatch',
  );
}

function failure(errCode: ObshellAuthErrCode, message: string, reason: string): AuthFailure {
  return { ok: false, status: 401, errCode, message, reason };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function endOfSecond(ts: number): number {
  return (ts + 1) * 1000;
}
