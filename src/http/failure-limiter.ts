/** How many failed authentications a client may have in a window before it must wait. */
export interface FailureLimit {
  readonly failures: number;
  readonly perMs: number;
}

/** Generous enough for a person retyping a password and for test suites on 127.0.0.1. */
export const DEFAULT_FAILURE_LIMIT: FailureLimit = { failures: 20, perMs: 10_000 };

const DEFAULT_MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client address that only failures drain: a client that keeps failing is
 * refused before any expensive check (RSA, bcrypt) is done, which caps both password guessing and oracle probing.
 */
export class FailureLimiter {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #maxClients: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: FailureLimit = DEFAULT_FAILURE_LIMIT, maxClients = DEFAULT_MAX_CLIENTS) {
    if (!(limit.failures >= 1 && limit.perMs > 0)) throw new RangeError('a failure limit needs failures >= 1 and perMs > 0');
    this.#capacity = limit.failures;
    this.#refillPerMs = limit.failures / limit.perMs;
    this.#maxClients = maxClients;
  }

  /** 0 when the client may try now, else how long it has to wait. */
  retryAfterMs(client: string, now: number): number {
    const tokens = this.#tokens(client, now);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.#refillPerMs);
  }

  /** Returns true when this failure used the client's last attempt (worth one log line). */
  recordFailure(client: string, now: number): boolean {
    const tokens = this.#tokens(client, now) - 1;
    // Re-inserting keeps Map order by last failure, so eviction drops the quietest client.
    this.#buckets.delete(client);
    this.#buckets.set(client, { tokens, at: now });
    if (this.#buckets.size > this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    return tokens < 1;
  }

  #tokens(client: string, now: number): number {
    const bucket = this.#buckets.get(client);
    if (bucket === undefined) return this.#capacity;
    return Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#refillPerMs);
  }
}
