import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logging/logger.js';
import { DEFAULT_FAILURE_LIMIT, FailureLimiter, type FailureLimit } from './failure-limiter.js';

/** Successful checks remembered, so a scrape every few seconds does not pay for bcrypt each time. */
const MAX_CACHED = 256;

export interface BasicAuthOptions {
  readonly log: Pick<Logger, 'warn' | 'debug'>;
  readonly failureLimit?: FailureLimit;
  readonly now?: () => number;
}

/**
 * HTTP basic auth against exporter-toolkit's `basic_auth_users` (bcrypt hashes). Usernames are
 * compared in constant time and an unknown name costs a bcrypt run like a known one; failures
 * drain a per-address budget (then 429) and are logged without the password or the username,
 * which is where people paste passwords by mistake.
 */
export class BasicAuthGuard {
  private users: ReadonlyArray<{ digest: Buffer; hash: string }> = [];
  private readonly verified = new Map<string, true>();
  private readonly limiter: FailureLimiter;
  private readonly now: () => number;

  constructor(
    users: ReadonlyMap<string, string>,
    private readonly options: BasicAuthOptions,
  ) {
    this.limiter = new FailureLimiter(options.failureLimit ?? DEFAULT_FAILURE_LIMIT);
    this.now = options.now ?? Date.now;
    this.setUsers(users);
  }

  /** On reload: the new users apply to the next request; remembered successes are forgotten. */
  setUsers(users: ReadonlyMap<string, string>): void {
    this.users = [...users].map(([name, hash]) => ({ digest: digest(name), hash }));
    this.verified.clear();
  }

  readonly middleware: RequestHandler = (req, res, next) => {
    if (this.users.length === 0) return next();
    const client = req.socket.remoteAddress ?? 'unknown';
    const waitMs = this.limiter.retryAfterMs(client, this.now());
    if (waitMs > 0) {
      res.set('Retry-After', String(Math.ceil(waitMs / 1000))).status(429).type('text').send('Too Many Requests\n');
      return;
    }
    const credentials = parseBasic(req.get('authorization'));
    if (credentials === null) {
      this.options.log.debug({ client, path: req.path }, 'basic authentication: no credentials');
      return challenge(res);
    }
    this.check(credentials.user, credentials.password).then(
      (ok) => {
        if (ok) return next();
        this.fail(req, client);
        challenge(res);
      },
      (error: unknown) => next(error),
    );
  };

  private async check(user: string, password: string): Promise<boolean> {
    const key = createHash('sha256').update(user).update('\0').update(password).digest('base64');
    if (this.verified.has(key)) return true;
    const hash = this.hashOf(user);
    // An unknown name is checked against a real hash, so it costs what a known name costs.
    const ok = (await bcrypt.compare(password, hash ?? this.users[0]!.hash)) && hash !== undefined;
    if (ok) this.remember(key);
    return ok;
  }

  /** Looks at every user whatever the name, so timing does not tell which names exist. */
  private hashOf(user: string): string | undefined {
    const wanted = digest(user);
    let found: string | undefined;
    for (const candidate of this.users) {
      if (timingSafeEqual(candidate.digest, wanted)) found = candidate.hash;
    }
    return found;
  }

  private remember(key: string): void {
    this.verified.set(key, true);
    if (this.verified.size > MAX_CACHED) this.verified.delete(this.verified.keys().next().value!);
  }

  private fail(req: Request, client: string): void {
    const limited = this.limiter.recordFailure(client, this.now());
    this.options.log.warn(
      { client, method: req.method, path: req.path, limited },
      limited ? 'basic authentication failed; client reached the failure limit' : 'basic authentication failed',
    );
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `Authorization: Basic base64(user:password)`; the password may contain ':'. */
function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function challenge(res: Response): void {
  res.set('WWW-Authenticate', 'Basic realm="db-session-exporter", charset="UTF-8"').status(401).type('text').send('Unauthorized\n');
}
