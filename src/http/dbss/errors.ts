import type { Response } from 'express';

/**
 * Error codes. DBSS documents the first five (its API reference, "Error Codes"); it names no code
 * for a 403 (a PDP authorization failure), for 429 or for 503, so those are the exporter's own,
 * built from the status.
 */
export const DBSS_CODES = {
  invalidRequest: 'DBSS.10000001',
  invalidId: 'DBSS.10020021',
  unauthenticated: 'DBSS.10020100',
  notFound: 'DBSS.10021004',
  internal: 'DBSS.11000000',
  forbidden: 'DBSS.10020403',
  tooManyFailures: 'DBSS.10020429',
  unavailable: 'DBSS.11000503',
} as const;

export type DbssCode = (typeof DBSS_CODES)[keyof typeof DBSS_CODES];

/** DBSS's error body, the same for every status. */
export interface DbssErrorBody {
  readonly error_code: string;
  readonly error_msg: string;
  readonly details: ReadonlyArray<{ readonly error_code: string; readonly error_msg: string }>;
  /** DBSS fills it when its policy engine denies a request; the exporter has nothing to encode. */
  readonly encoded_authorization_message: string | null;
}

/** A failure a handler throws; the router renders it as a DbssErrorBody. */
export class DbssError extends Error {
  override readonly name = 'DbssError';
  constructor(
    readonly status: number,
    readonly code: DbssCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export function sendDbssError(res: Response, error: DbssError): void {
  const body: DbssErrorBody = {
    error_code: error.code,
    error_msg: error.message,
    details: [{ error_code: error.code, error_msg: error.message }],
    encoded_authorization_message: null,
  };
  res.status(error.status).set(error.headers).type('application/json').json(body);
}

export const invalidRequest = (message: string) => new DbssError(400, DBSS_CODES.invalidRequest, message);
export const invalidId = (message: string) => new DbssError(400, DBSS_CODES.invalidId, message);
export const unavailable = (message: string) => new DbssError(503, DBSS_CODES.unavailable, message);
