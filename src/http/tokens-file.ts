import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_FAILURE_LIMIT, FailureLimiter, type FailureLimit } from './failure-limiter.js';

/**
 * Bearer tokens from a file shared by the token-authenticated API families (Appgate dashboard,
 * DBSS). Format (clarification 3), one token per line:
 *
 *   # comment
 *   s3cr3t-token-for-everything
 *   other-token  prod/sales, prod/hr, staging/*
 *
 * A token alone may read every target and tenant. A scope list restricts it; each scope is
 * `target/tenant` where either side may be `*`, and `target` alone means `target/*`.
 */
export type Authorization = 'ok' | 'unauthenticated' | 'forbidden';

/** `auth.<family>` of a token-authenticated API family, e.g. `auth.dashboard`. */
export const tokensFileAuthSchema = z.strictObject({
  tokens_file: z.string().min(1, 'give the path of a tokens file, or leave this API family out of auth to keep it open'),
});

/** One grant; undefined means any target or any tenant. */
interface Scope {
  readonly target: string | undefined;
  readonly tenant: string | undefined;
}

interface TokenEntry {
  readonly digest: Buffer;
  readonly scopes: readonly Scope[];
  readonly line: number;
}

const EVERYTHING: readonly Scope[] = [{ target: undefined, tenant: undefined }];
/** Visible ASCII without spaces: what fits into an HTTP header unquoted. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;
const SCOPE_NAME = /^[^\s/,*]+$/;

export class TokensFileError extends Error {
  override readonly name = 'TokensFileError';
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function parseScopeSide(text: string): string | undefined | null {
  if (text === '*') return undefined;
  return SCOPE_NAME.test(text) ? text : null;
}

function parseScope(text: string): Scope | null {
  const parts = text.split('/');
  if (parts.length > 2) return null;
  const target = parseScopeSide(parts[0]!);
  const tenant = parts.length === 2 ? parseScopeSide(parts[1]!) : undefined;
  return target === null || tenant === null ? null : { target, tenant };
}

function parseLine(text: string, line: number, source: string): TokenEntry | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return null;
  const split = /^(\S+)(?:\s+(.*))?$/.exec(trimmed)!;
  const token = split[1]!;
  const fail = (why: string) => new TokensFileError(`${source} line ${line}: ${why}`);
  if (!TOKEN_TEXT.test(token)) throw fail('a token must be visible ASCII characters without spaces');
  const rest = split[2];
  if (rest === undefined) return { digest: sha256(token), scopes: EVERYTHING, line };
  const scopes = rest.split(',').map((item) => item.trim());
  const parsed = scopes.map(parseScope);
  const bad = parsed.findIndex((scope) => scope === null);
  if (bad >= 0) {
    throw fail(`"${scopes[bad]}" is not a scope such as target, target/tenant, target/* or */tenant (separate scopes with commas)`);
  }
  return { digest: sha256(token), scopes: parsed as Scope[], line };
}

function covers(scope: Scope, target: string | undefined, tenant: string | undefined): boolean {
  return (scope.target === undefined || scope.target === target) && (scope.tenant === undefined || scope.tenant === tenant);
}

/** The parsed content of one tokens file; immutable, so a reload swaps it whole. */
export class BearerTokens {
  readonly #entries: readonly TokenEntry[];

  private constructor(entries: readonly TokenEntry[]) {
    this.#entries = entries;
  }

  /** Throws TokensFileError naming the source and line; the message never contains a token. */
  static parse(text: string, source = 'tokens file'): BearerTokens {
    const entries: TokenEntry[] = [];
    text.split(/\r?\n/).forEach((content, index) => {
      const entry = parseLine(content, index + 1, source);
      if (entry === null) return;
      const earlier = entries.find((other) => other.digest.equals(entry.digest));
      if (earlier !== undefined) {
        throw new TokensFileError(`${source} line ${entry.line}: the token repeats line ${earlier.line} (give each token one line)`);
      }
      entries.push(entry);
    });
    return new BearerTokens(entries);
  }

  static async read(path: string): Promise<BearerTokens> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new TokensFileError(`cannot read tokens file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return BearerTokens.parse(text, `tokens file ${path}`);
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * target/tenant undefined: the request spans every target (or every tenant of the target), so
   * only a grant with `*` on that side allows it. The comparison runs over every entry, on
   * SHA-256 digests of equal length, so timing tells neither which token matched nor how much
   * of one.
   */
  authorize(presented: string | undefined, target?: string, tenant?: string): Authorization {
    if (presented === undefined || presented === '') return 'unauthenticated';
    const digest = sha256(presented);
    let matched: TokenEntry | undefined;
    for (const entry of this.#entries) {
      const equal = timingSafeEqual(entry.digest, digest);
      if (equal) matched = entry;
    }
    if (matched === undefined) return 'unauthenticated';
    return matched.scopes.some((scope) => covers(scope, target, tenant)) ? 'ok' : 'forbidden';
  }
}

/** The token from an `Authorization: Bearer <token>` header (scheme case-insensitive). */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

export type TokenCheck =
  | { readonly outcome: Authorization }
  | { readonly outcome: 'rate_limited'; readonly retryAfterMs: number };

/** What the gate logs with; a pino Logger fits. */
export interface TokenGateLogger {
  warn(fields: object, message: string): void;
}

export interface TokenGateOptions {
  /** Names the API family in log lines, e.g. "dashboard". */
  readonly api: string;
  readonly log?: TokenGateLogger;
  /** Failed attempts per client address; false turns limiting off. */
  readonly failureLimit?: FailureLimit | false;
  readonly now?: () => number;
}

/**
 * One API family's token check: the current tokens (swapped whole on reload, undefined = auth off,
 * every request passes), a failure limit per client address and a log line per failure. The
 * limiter outlives reloads so that a reload does not reset a guesser's budget.
 */
export class TokenGate {
  #tokens: BearerTokens | undefined;
  readonly #options: TokenGateOptions;
  readonly #limiter: FailureLimiter | undefined;
  readonly #now: () => number;

  constructor(tokens: BearerTokens | undefined, options: TokenGateOptions) {
    this.#tokens = tokens;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#limiter = options.failureLimit === false ? undefined : new FailureLimiter(options.failureLimit ?? DEFAULT_FAILURE_LIMIT);
  }

  get enabled(): boolean {
    return this.#tokens !== undefined;
  }

  use(tokens: BearerTokens | undefined): void {
    this.#tokens = tokens;
  }

  /** `client` is the peer address the failure limit is kept for. */
  check(presented: string | undefined, client: string, target?: string, tenant?: string): TokenCheck {
    if (this.#tokens === undefined) return { outcome: 'ok' };
    const retryAfterMs = this.#limiter?.retryAfterMs(client, this.#now()) ?? 0;
    if (retryAfterMs > 0) return { outcome: 'rate_limited', retryAfterMs };
    const outcome = this.#tokens.authorize(presented, target, tenant);
    if (outcome !== 'ok') this.#logFailure(outcome, presented, client, target, tenant);
    return { outcome };
  }

  #logFailure(outcome: Authorization, presented: string | undefined, client: string, target?: string, tenant?: string): void {
    // A missing token is a client that does not know about auth yet, not a guess.
    const guessed = outcome === 'unauthenticated' && presented !== undefined && presented !== '';
    const limited = guessed && this.#limiter !== undefined && this.#limiter.recordFailure(client, this.#now());
    const reason = outcome === 'forbidden' ? 'token not allowed this scope' : guessed ? 'unknown token' : 'no token';
    this.#options.log?.warn(
      { api: this.#options.api, client, target, tenant, reason, limited },
      limited ? 'API authentication failed; client reached the failure limit' : 'API authentication failed',
    );
  }
}
