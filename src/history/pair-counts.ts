import type { CountedPairs } from './ordered-rows.js';

const EMPTY = -1;

/**
 * Counts per pair of small non-negative integers (schema, client IP or user) in an
 * open-addressing table of typed arrays: a month's query counts a million sessions, and a
 * Map of Maps spends most of that time hashing and allocating.
 */
export class PairCounts implements CountedPairs {
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

  forEach(visit: (first: number, second: number, count: number) => void): void {
    for (let slot = 0; slot < this.firsts.length; slot++) {
      const first = this.firsts[slot] ?? EMPTY;
      if (first !== EMPTY) visit(first, this.seconds[slot] ?? 0, this.counts[slot] ?? 0);
    }
  }

  private grow(): void {
    const old = { firsts: this.firsts, seconds: this.seconds, counts: this.counts };
    this.firsts = new Int32Array(old.firsts.length * 2).fill(EMPTY);
    this.seconds = new Int32Array(this.firsts.length);
    this.counts = new Float64Array(this.firsts.length);
    const mask = this.firsts.length - 1;
    old.firsts.forEach((first, from) => {
      if (first === EMPTY) return;
      const second = old.seconds[from] ?? 0;
      let slot = slotOf(first, second, mask);
      while (this.firsts[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.firsts[slot] = first;
      this.seconds[slot] = second;
      this.counts[slot] = old.counts[from] ?? 0;
    });
  }
}

function slotOf(first: number, second: number, mask: number): number {
  let hash = Math.imul(first ^ Math.imul(second, 0x9e3779b1), 0x85ebca6b);
  hash ^= hash >>> 15;
  return hash & mask;
}
