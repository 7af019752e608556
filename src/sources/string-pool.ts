/**
 * One string instance per distinct value of a column within a read. mysql2 decodes every cell
 * into a fresh string, so 300k sessions would otherwise hold 300k copies of each user, schema,
 * tenant and address; pooled, they share a few thousand, and every later Map lookup on them
 * (identities, series) finds their hash already computed.
 *
 * Hashing a fresh string is the expensive part of a Map lookup, so a few recent values are first
 * compared directly: columns with a handful of values (state, command, observer) never hash.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();
  private readonly recent: Array<string | undefined> = new Array<string | undefined>(RECENT_SLOTS).fill(undefined);

  intern(value: string): string {
    const n = value.length;
    const slot = n === 0 ? 0 : (n * 7 + value.charCodeAt(0) * 3 + value.charCodeAt(n - 1)) & (RECENT_SLOTS - 1);
    const recent = this.recent[slot];
    if (recent === value) return recent;
    let known = this.pool.get(value);
    if (known === undefined) {
      known = value;
      this.pool.set(value, value);
    }
    this.recent[slot] = known;
    return known;
  }
}

const RECENT_SLOTS = 32;
