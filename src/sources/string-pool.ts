import { randomBytes } from 'node:crypto';
import { utf8 } from './row-cells.js';

/**
 * One string instance per distinct value of a column. A driver decodes every cell
 * into a fresh string, so 300k sessions would otherwise hold 300k copies of each user, schema,
 * tenant and address; pooled, they share a few thousand, and every later Map lookup on them
 * (groups, identities, series) finds their hash already computed. A pool may also normalise its
 * values (trim, upper-case): that is then done once per distinct value, not once per row.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();
  /** Recently interned values as given, and what each was pooled as. */
  private readonly recent: Array<string | undefined> = new Array<string | undefined>(RECENT_SLOTS).fill(undefined);
  private readonly recentPooled: string[] = new Array<string>(RECENT_SLOTS).fill('');
  /**
   * Values by the hash of their UTF-8 bytes, for fromBytes: an open-addressing table (linear
   * probing, at most half full), one array probe where a Map lookup costs several.
   */
  private byBytes: Array<BytesEntry | undefined> = new Array<BytesEntry | undefined>(INITIAL_TABLE).fill(undefined);
  private entries = 0;
  /**
   * Each pool hashes with a seed of its own: clients choose some of these values (client info,
   * module, action), and with a known hash they could pile them into one probe sequence.
   */
  private readonly seed = randomBytes(4).readInt32LE(0);
  /** Where the last value read from bytes lies, and what it was. */
  private lastBuffer: Buffer | null = null;
  private lastStart = 0;
  private lastEnd = 0;
  private lastValue = '';

  constructor(private readonly normalise: (value: string) => string = (value) => value) {}

  /** Distinct values pooled. */
  get size(): number {
    return this.pool.size;
  }

  /**
   * The pooled value for a decoded string. Hashing a fresh string is the expensive part of a
   * Map lookup, so a few recent values are first compared directly: columns with a handful of
   * values (state, command, observer) never hash.
   */
  intern(value: string): string {
    if (this.pool.size >= MAX_VALUES && !this.pool.has(value)) return this.normalise(value);
    const n = value.length;
    const slot = n === 0 ? 0 : (n * 7 + value.charCodeAt(0) * 3 + value.charCodeAt(n - 1)) & (RECENT_SLOTS - 1);
    if (this.recent[slot] === value) return this.recentPooled[slot]!;
    let known = this.pool.get(value);
    if (known === undefined) {
      known = this.normalise(value);
      this.pool.set(value, known);
    }
    this.recent[slot] = value;
    this.recentPooled[slot] = known;
    return known;
  }

  /**
   * The pooled value of the UTF-8 text in bytes[start, end), straight from a row's bytes: a
   * value seen before is found by its bytes, so it is never decoded again.
   */
  fromBytes(bytes: Buffer, start: number, end: number): string {
    const n = end - start;
    // Most columns repeat the previous row's value, whose bytes sit just before in the same buffer.
    if (bytes === this.lastBuffer && n === this.lastEnd - this.lastStart && sameBytes(bytes, this.lastStart, start, n)) {
      this.lastStart = start;
      this.lastEnd = end;
      return this.lastValue;
    }
    const value = this.lookUpBytes(bytes, start, end);
    this.lastBuffer = bytes;
    this.lastStart = start;
    this.lastEnd = end;
    this.lastValue = value;
    return value;
  }

  private lookUpBytes(bytes: Buffer, start: number, end: number): string {
    let hash = this.seed ^ (end - start);
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, FNV_PRIME);
    const table = this.byBytes;
    const mask = table.length - 1;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const entry = table[at];
      if (entry === undefined) {
        // Values that never repeat must not accumulate: past the cap they are decoded, not kept.
        if (this.entries >= MAX_VALUES) return utf8(bytes, start, end);
        const added: BytesEntry = { hash, bytes: new Uint8Array(bytes.subarray(start, end)), length: end - start, value: this.intern(utf8(bytes, start, end)) };
        table[at] = added;
        if (++this.entries * 2 > table.length) this.grow();
        return added.value;
      }
      if (entry.hash === hash && sameText(entry, bytes, start, end)) return entry.value;
    }
  }

  private grow(): void {
    const table = new Array<BytesEntry | undefined>(this.byBytes.length * 2).fill(undefined);
    const mask = table.length - 1;
    for (const entry of this.byBytes) {
      if (entry === undefined) continue;
      let at = entry.hash & mask;
      while (table[at] !== undefined) at = (at + 1) & mask;
      table[at] = entry;
    }
    this.byBytes = table;
  }
}

interface BytesEntry {
  readonly hash: number;
  /** The value's bytes, copied: comparing typed arrays is cheaper than comparing with the string's characters. */
  readonly bytes: Uint8Array;
  /** Their count, kept apart: a typed array's own length is slower to read. */
  readonly length: number;
  /** The pooled, normalised value. */
  readonly value: string;
}

function sameBytes(bytes: Buffer, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

function sameText(entry: BytesEntry, bytes: Buffer, start: number, end: number): boolean {
  if (entry.length !== end - start) return false;
  const own = entry.bytes;
  for (let i = start; i < end; i++) if (own[i - start] !== bytes[i]) return false;
  return true;
}

const RECENT_SLOTS = 32;
const INITIAL_TABLE = 64;
/** Distinct values a pool keeps at most. */
const MAX_VALUES = 50_000;
const FNV_PRIME = 0x01000193;
