import { createServer as createHttpServer, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from '../logging/logger.js';
import { landingPage, type LandingLink } from './landing-page.js';
import { applyServerLimits, requestLimitOf, requestSizeGuard, requestTimedOut, serverLimitOptions, type RequestLimitError } from './limits.js';
import { clientCertificateProblem, tlsServerOptions, type WebTls } from './web-config.js';

export interface ApiMount {
  /** Mounted at this path, and again under /targets/:target (clarification 9). */
  readonly path: string;
  readonly router: Router;
  /**
   * The router's own error renderer, for errors raised before the router runs: the size limits,
   * a request that timed out, and express decoding `/targets/:target` first (a malformed
   * %-escape there would otherwise get a plain-text 400).
   */
  readonly errors?: ErrorRequestHandler;
  readonly links?: readonly LandingLink[];
}

export interface HttpAppOptions {
  readonly version: string;
  readonly log: Logger;
  readonly metrics: (req: Request, res: Response) => Promise<void>;
  readonly ready: () => boolean;
  readonly reload: () => Promise<{ ok: boolean; error?: string }>;
  readonly apis: readonly ApiMount[];
  /** The web config's basic auth; guards `/`, `/metrics` and `/-/reload` only (clarification 2). */
  readonly authenticate: RequestHandler;
  /** The web config's extra response headers, read at each request so a reload applies. */
  readonly responseHeaders: () => Readonly<Record<string, string>>;
}

/** A request an express route is answering, by socket, for errors node raises outside express. */
interface RoutedRequest {
  headersSent(): boolean;
  /** Answers `error` as the request's API family would (else in plain text), with its headers. */
  render(error: RequestLimitError): void;
}

const routedRequests = new WeakMap<Duplex, RoutedRequest>();

export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const familyErrors = apiFamilyErrors(options.apis);
  const lastResort = lastResortErrors(options.log);
  app.use((req, res, next) => {
    res.set(options.responseHeaders());
    const routed: RoutedRequest = {
      headersSent: () => res.headersSent,
      render: (error) => {
        // Set here, as not every family passes a limit's headers on: Connection: close ends the socket.
        res.set(error.headers);
        familyErrors(error, req, res, (unhandled: unknown) => lastResort(unhandled, req, res, () => res.destroy()));
      },
    };
    routedRequests.set(req.socket, routed);
    res.once('close', () => {
      if (routedRequests.get(req.socket) === routed) routedRequests.delete(req.socket);
    });
    next();
  });
  app.use(requestSizeGuard);

  const links: LandingLink[] = [
    { href: './metrics', text: 'Metrics' },
    { href: './-/healthy', text: 'Health' },
    { href: './-/ready', text: 'Readiness' },
    ...options.apis.flatMap((api) => api.links ?? []),
  ];
  const guarded = options.authenticate;
  app.get('/', guarded, landingPage(options.version, links));
  app.get('/metrics', guarded, (req, res, next) => {
    options.metrics(req, res).catch(next);
  });
  app.get('/-/healthy', (_req, res) => {
    res.status(200).type('text').send('Healthy.\n');
  });
  app.get('/-/ready', (_req, res) => {
    if (options.ready()) res.status(200).type('text').send('Ready.\n');
    else res.status(503).type('text').send('Not ready: not every target has been scraped yet.\n');
  });
  const reload = (_req: Request, res: Response) => {
    options.reload().then(
      (result) => {
        if (result.ok) res.status(200).type('text').send('Config reloaded.\n');
        else res.status(500).type('text').send(`Config not reloaded, the previous one stays in use: ${result.error}\n`);
      },
      (error: unknown) => res.status(500).type('text').send(`Config not reloaded: ${String(error)}\n`),
    );
  };
  app.post('/-/reload', guarded, reload);
  app.put('/-/reload', guarded, reload);

  for (const api of options.apis) {
    app.use(api.path, api.router);
    app.use(`/targets/:target${api.path === '/' ? '' : api.path}`, api.router);
  }
  app.use((_req, res) => {
    res.status(404).type('text').send('Not Found\n');
  });
  app.use(familyErrors);
  app.use(lastResort);
  return app;
}

/**
 * Errors on an API's path (or `/targets/{target}/<api>`) that its router never saw, in that API's
 * format: the size limits run before any router, and express decodes `:target` first.
 */
function apiFamilyErrors(apis: readonly ApiMount[]): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // Not req.path: inside a router (a body still being read when the request times out) it has lost the mount path.
    const path = req.originalUrl.split('?')[0] ?? '';
    const match = /^\/targets\/[^/]+(\/.*)?$/i.exec(path);
    const rest = match === null ? path : (match[1] ?? '');
    const api = apis.find((a) => a.errors !== undefined && isUnderMount(rest, a.path));
    if (api?.errors === undefined) return next(error);
    api.errors(error, req, res, next);
  };
}

/** Express matches mount paths case-insensitively. */
function isUnderMount(path: string, mount: string): boolean {
  const [p, m] = [path.toLowerCase(), mount.toLowerCase()];
  return m === '/' || p === m || p.startsWith(`${m}/`);
}

/**
 * Errors no router answered: a client's 4xx (body parser: 400, 413) keeps its status with a
 * generic text; anything else is a 500 that says nothing about the inside (express would send
 * the stack) and is logged instead.
 */
function lastResortErrors(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    const limit = requestLimitOf(error);
    if (limit !== null) return void res.status(limit.status).set(limit.headers).type('text').send(`${STATUS_CODES[limit.status]}\n`);
    const declared = Number((error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode);
    const status = declared >= 400 && declared < 500 ? declared : 500;
    if (status === 500) log.error({ err: error instanceof Error ? error.message : String(error), path: req.path }, 'request failed');
    res.status(status).type('text').send(`${STATUS_CODES[status] ?? 'Error'}\n`);
  };
}

export interface ListenOptions {
  readonly host: string | undefined;
  readonly port: number;
  /** null: plain HTTP. */
  readonly tls: WebTls | null;
  readonly log: Logger;
}

/** A listening server, with the limits of limits.ts, and its graceful close. */
export interface HttpServer {
  readonly server: Server;
  readonly url: string;
  /** Certificates and the like from a reloaded web config, for new connections. */
  updateTls(tls: WebTls): void;
  /** Stops accepting, lets in-flight requests finish (answered with `Connection: close`), then resolves. */
  close(): Promise<void>;
}

export async function listenHttp(app: Express, options: ListenOptions): Promise<HttpServer> {
  let tls = options.tls;
  const secure = tls ? createHttpsServer({ ...serverLimitOptions(), ...tlsServerOptions(tls) }, app) : null;
  const server: Server = secure ?? createHttpServer(serverLimitOptions(), app);
  applyServerLimits(server);
  secure?.on('secureConnection', (socket: TLSSocket) => {
    const problem = tls && clientCertificateProblem(tls, socket);
    if (!problem) return;
    options.log.warn({ client: socket.remoteAddress, problem }, 'TLS client refused');
    socket.destroy();
  });
  // Failed handshakes (an untrusted client certificate, an old TLS version, a port scanner) are
  // routine noise on an exposed port: debug level.
  secure?.on('tlsClientError', (error, socket) => {
    options.log.debug({ client: socket.remoteAddress, err: error.message }, 'TLS handshake failed');
  });
  server.on('clientError', answerClientError);
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  server.on('request', (_req, res: ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '::', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as { address: string; family: string; port: number };
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    server,
    url: `${secure ? 'https' : 'http'}://${host}:${address.port}`,
    updateTls(next) {
      tls = next;
      secure?.setSecureContext(next.context);
    },
    close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      server.closeIdleConnections();
      return closed;
    },
  };
}

/** What node answers on its own, by error code; anything else it refuses is a 400. */
const BARE_STATUS: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * What node's parser and request timer refuse, answered as node would (a bare status line, then
 * close: no route, so no API family, is known yet), except a request that timed out while a
 * route was reading its body (a DBSS POST trickled in): its family is known, so its 408 comes in
 * that family's format, with Connection: close.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const routed = routedRequests.get(socket);
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && routed !== undefined && !routed.headersSent()) {
    routed.render(requestTimedOut());
    return;
  }
  // Never a second answer after a route's: the client would read it as the next response.
  if (socket.writable && routed?.headersSent() !== true) {
    const status = BARE_STATUS[error.code ?? ''] ?? 400;
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy(error);
}
