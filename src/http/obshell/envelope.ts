import { randomBytes } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { ObshellApiError } from './responses.js';

const TRACE_HEADER = 'X-OBSHELL-Trace-ID';
const STARTED_AT = 'obshellStartedAt';
/** Trace ids are echoed into every answer; a header longer than this gets a fresh one instead. */
const MAX_TRACE_ID = 128;

/** First in the router: `duration` counts from here. */
export const startObshellTimer: RequestHandler = (_req, res, next) => {
  res.locals[STARTED_AT] = performance.now();
  next();
};

export function sendObshellData(res: Response, data: unknown): void {
  send(res, 200, { data });
}

export function sendObshellError(res: Response, status: number, errCode: string, message: string): void {
  const error: ObshellApiError = { errCode, message };
  send(res, status, { error });
}

/** obshell's OcsAgentResponse: the HTTP status is repeated in the body. */
function send(res: Response, status: number, payload: { data: unknown } | { error: ObshellApiError }): void {
  const startedAt: unknown = res.locals[STARTED_AT];
  const body = {
    successful: status < 300,
    timestamp: new Date().toISOString(),
    duration: typeof startedAt === 'number' ? Math.round(performance.now() - startedAt) : 0,
    status,
    traceId: traceIdOf(res),
    ...payload,
  };
  res.status(status).type('application/json').send(stringifyWithBigInts(body));
}

function traceIdOf(res: Response): string {
  const given = res.req.get(TRACE_HEADER);
  if (given !== undefined && given !== '' && given.length <= MAX_TRACE_ID) return given;
  return randomBytes(8).toString('hex');
}

/**
 * JSON with bigints written as plain numbers: page and size are uint64 and echoed exactly, which
 * a double cannot hold. Each bigint becomes a string marked with a per-call random nonce, and the
 * quotes around exactly those strings are removed afterwards; text from the database cannot
 * guess the nonce.
 */
export function stringifyWithBigInts(value: unknown): string {
  let nonce: string | null = null;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    nonce ??= randomBytes(8).toString('hex');
    return `${nonce}:${v.toString()}`;
  });
  return nonce === null ? text : text.replace(new RegExp(`"${nonce}:(-?\\d+)"`, 'g'), '$1');
}
