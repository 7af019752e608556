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
  res.status(status).type('application/json').send(stringifyWithUint64s(body));
}

function traceIdOf(res: Response): string {
  const given = res.req.get(TRACE_HEADER);
  if (given !== undefined && given !== '' && given.length <= MAX_TRACE_ID) return given;
  return randomBytes(8).toString('hex');
}

/** Marks uint64 values in serialized JSON; random per process, so text from a database cannot forge it. */
const UINT64_MARKER = `uint64-${randomBytes(8).toString('hex')}:`;
const UINT64_MARKED = new RegExp(`"${UINT64_MARKER}(\\d+)"`, 'g');

/**
 * A uint64 that serializes as an exact JSON number: page and size are echoed as given, which a
 * double cannot hold. JSON.stringify writes it as a marked string whose quotes come off
 * afterwards; a replacer function would do the same but halves JSON.stringify's speed on every
 * value of a long page.
 */
export class JsonUint64 {
  constructor(readonly value: bigint) {}

  toJSON(): string {
    return `${UINT64_MARKER}${this.value.toString()}`;
  }
}

export function stringifyWithUint64s(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes(UINT64_MARKER) ? text.replace(UINT64_MARKED, '$1') : text;
}
