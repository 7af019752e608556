import type { Response } from 'express';

/** Appgate's generic HTTP error body (seed appgate-active-sessions-dashboard.txt). */
export interface AppgateErrorBody {
  readonly id: string;
  readonly message: string;
}

/** A failure a handler throws; the router renders it as `{id, message}`. */
export class AppgateError extends Error {
  override readonly name = 'AppgateError';
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export function sendAppgateError(res: Response, error: AppgateError): void {
  const body: AppgateErrorBody = { id: error.id, message: error.message };
  res.status(error.status).set(error.headers).type('application/json').json(body);
}

/** Request text quoted into a message, cut so that a huge parameter cannot make a huge answer. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
}

export const badRequest = (message: string) => new AppgateError(400, 'bad_request', message);
export const notFound = (message: string) => new AppgateError(404, 'not_found', message);
export const unavailable = (message: string) => new AppgateError(503, 'service_unavailable', message);
