import type { Server, ServerOptions } from 'node:http';
import express, { type RequestHandler } from 'express';

/**
 * Bounds on what one client may cost the exporter. Prometheus sends small GETs without a body,
 * and the JSON APIs take small JSON bodies: anything far bigger or slower is not a real client.
 */
export const HTTP_LIMITS = {
  /** The request line and headers must arrive within this time, else 408. */
  headersTimeoutMs: 10_000,
  /** The whole request, body included, must arrive within this time, else 408. */
  requestTimeoutMs: 20_000,
  /** How often node looks for requests past those two limits. */
  timeoutCheckIntervalMs: 1_000,
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: 30_000,
  /** A connection with no traffic either way for this long is closed (a client that stopped reading). */
  socketIdleTimeoutMs: 120_000,
  /** TLS handshake time limit. */
  tlsHandshakeTimeoutMs: 10_000,
  /** Request line plus headers, else 431. */
  maxHeaderBytes: 16_384,
  maxHeadersCount: 100,
  /** Path plus query string, else 414. */
  maxUrlBytes: 8_192,
  /** Request bodies, else 413. */
  maxBodyBytes: 65_536,
  /** Connections beyond this many are refused at accept. */
  maxConnections: 4_096,
} as const;

/** Options for `http.createServer` / `https.createServer`. */
export function serverLimitOptions(): ServerOptions {
  return {
    maxHeaderSize: HTTP_LIMITS.maxHeaderBytes,
    headersTimeout: HTTP_LIMITS.headersTimeoutMs,
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    connectionsCheckingInterval: HTTP_LIMITS.timeoutCheckIntervalMs,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
  };
}

/** The limits that are properties of a created server rather than constructor options. */
export function applyServerLimits(server: Server): void {
  server.maxConnections = HTTP_LIMITS.maxConnections;
  server.maxHeadersCount = HTTP_LIMITS.maxHeadersCount;
  server.keepAliveTimeout = HTTP_LIMITS.keepAliveTimeoutMs;
  server.timeout = HTTP_LIMITS.socketIdleTimeoutMs;
}

/**
 * A request past one of the limits above. Each JSON API family renders it in its own error
 * format (the path says which family it is for); elsewhere it is a plain-text answer.
 */
export class RequestLimitError extends Error {
  override readonly name = 'RequestLimitError';
  constructor(
    readonly status: 408 | 413 | 414,
    message: string,
    /** Connection: close where the body was not read: what follows on the socket is no request. */
    readonly headers: Readonly<Record<string, string>> = status === 414 ? {} : { Connection: 'close' },
  ) {
    super(message);
  }
}

export const uriTooLong = () => new RequestLimitError(414, `the URL is longer than ${HTTP_LIMITS.maxUrlBytes} bytes`);
export const bodyTooLarge = () => new RequestLimitError(413, `the request body is larger than ${HTTP_LIMITS.maxBodyBytes} bytes`);
export const requestTimedOut = () =>
  new RequestLimitError(408, `the request did not arrive within ${HTTP_LIMITS.requestTimeoutMs / 1000} s`);

/** The limit an error stands for: ours, or the body parser's own 413 for a body sent without a length. */
export function requestLimitOf(error: unknown): RequestLimitError | null {
  if (error instanceof RequestLimitError) return error;
  return (error as { type?: unknown }).type === 'entity.too.large' ? bodyTooLarge() : null;
}

/**
 * 414 for an over-long URL and 413 for a body declared bigger than any endpoint takes, before
 * any route runs. Bodies sent without a length are bounded by the parser that reads them.
 */
export const requestSizeGuard: RequestHandler = (req, _res, next) => {
  if (req.originalUrl.length > HTTP_LIMITS.maxUrlBytes) return next(uriTooLong());
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > HTTP_LIMITS.maxBodyBytes) return next(bodyTooLarge());
  next();
};

/**
 * The JSON body parser every JSON API uses: bodies over the limit are a 413 and malformed JSON a
 * 400, passed to the router's error handler (`err.status`) to render in the API's own format.
 */
export const jsonBody: RequestHandler = express.json({ limit: HTTP_LIMITS.maxBodyBytes });

/** The same bound for APIs whose body is text (obshell's encrypted bodies). */
export const textBody: RequestHandler = express.text({ limit: HTTP_LIMITS.maxBodyBytes, type: '*/*' });
