const EMPTY = -1;

/**
 * Counts per pair of small non-negative integers (schema, client IP or user) in an
 * open-addressing table of typed arrays: a month's query counts a million sessions, and a
 * Map of Maps spends most of that time hashing and allocating.
 */
export class PairCounts {
  private firsts = new Int32Array(1024).fill(EMPTY);
  private seconds = new Int32Array(1024);
  private counts = new Float64Array(1024);
  private size = 0;

  add(first: number, second: number): void {
    const mask = this.firsts.length - 1;
    let slot = slotOf(first, second, mask);
    for (;;) {
      const stored = this.firsts[slot];
      if (stored === EMPTY) break;
      if (stored === first && this.seconds[slot] === second) {
        this.counts[slot] = (this.counts[slot] ?? 0) + 1;
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.firsts[slot] = first;
    this.seconds[slot] = second;
    this.counts[slot] = 1;
    if (++this.size * 2 > this.firsts.length) this.grow();
  }

  *entries(): Generator<[first: number, second: number, count: number]> {
    for (let slot = 0; slot < this.firsts.length; slot++) {
      const first = this.firsts[slot] ?? EMPTY;
      if (first !== EMPTY) yield [first, this.seconds[slot] ?? 0, this.counts[slot] ?? 0];
    }
  }

  private grow(): void {
    const old = [...this.entries()];
    this.firsts = new Int32Array(this.firsts.length * 2).fill(EMPTY);
    this.seconds = new Int32Array(this.firsts.length);
    this.counts = new Float64Array(this.firsts.length);
    const mask = this.firsts.length - 1;
    for (const [first, second, count] of old) {
      let slot = slotOf(first, second, mask);
      while (this.firsts[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.firsts[slot] = first;
      this.seconds[slot] = second;
      this.counts[slot] = count;
    }
  }
}

function slotOf(first: number, second: number, mask: number): number {
  let hash = Math.imul(first ^ Math.imul(second, 0x9e3779b1), 0x85ebca6b);
  hash ^= hash >>> 15;
  return hash & mask;
}
