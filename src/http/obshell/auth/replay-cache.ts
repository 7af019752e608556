export const DEFAULT_REPLAY_CACHE_ENTRIES = 100_000;

/**
 * Remembers authenticated headers until they expire, so that a captured header cannot be sent
 * again. Bounded: when full, expired entries go first, then the oldest ones (a header evicted
 * early becomes replayable, which is obshell's behaviour for every header).
 */
export class ReplayCache {
  readonly #maxEntries: number;
  /** Key -> expiry (ms); Map order is insertion order, so the first key is the oldest. */
  readonly #expiries = new Map<string, number>();
  /** No entry expires before this, so sweeping earlier would find nothing. */
  #earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(maxEntries = DEFAULT_REPLAY_CACHE_ENTRIES) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#expiries.size;
  }

  has(key: string, now: number): boolean {
    const expiry = this.#expiries.get(key);
    return expiry !== undefined && expiry > now;
  }

  add(key: string, expiresAt: number, now: number): void {
    this.#expiries.delete(key);
    if (this.#expiries.size >= this.#maxEntries) this.#makeRoom(now);
    this.#expiries.set(key, expiresAt);
    this.#earliestExpiry = Math.min(this.#earliestExpiry, expiresAt);
  }

  #makeRoom(now: number): void {
    if (now >= this.#earliestExpiry) this.#sweepExpired(now);
    if (this.#expiries.size < this.#maxEntries) return;
    const oldest = this.#expiries.keys().next();
    if (!oldest.done) this.#expiries.delete(oldest.value);
  }

  #sweepExpired(now: number): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, expiry] of this.#expiries) {
      if (expiry <= now) this.#expiries.delete(key);
      else earliest = Math.min(earliest, expiry);
    }
    this.#earliestExpiry = earliest;
  }
}
