import { describe, expect, it } from 'vitest';
import { StringPool } from './string-pool.js';

/** A string with the same text as `text` but its own instance, as mysql2 decodes every cell. */
const fresh = (text: string): string => Buffer.from(text).toString();

describe('StringPool', () => {
  it('returns the first instance of each value, whatever the slot collisions', () => {
    const pool = new StringPool();
    const values = ['', 'SLEEP', 'ACTIVE', ...Array.from({ length: 200 }, (_, i) => `10.0.${i}.1`)];
    const first = values.map((v) => pool.intern(fresh(v)));
    for (let round = 0; round < 3; round++) {
      values.forEach((value, i) => {
        const again = pool.intern(fresh(value));
        expect(again).toBe(value);
        expect(Object.is(again, first[i])).toBe(true);
      });
    }
  });

  it('finds every value it pooled from bytes again by its bytes, however many values it holds', () => {
    const pool = new StringPool();
    const values = Array.from({ length: 10_000 }, (_, i) => `10.${i >> 8}.${i & 255}.${i % 7}`);
    // Each value in a buffer of its own, between other bytes, as cells sit in row packets.
    const cells = values.map((v) => Buffer.concat([Buffer.from([0xfa]), Buffer.from(v), Buffer.from([0xfa])]));
    const first = cells.map((cell) => pool.fromBytes(cell, 1, cell.length - 1));
    expect(first).toEqual(values);
    cells.forEach((cell, i) => expect(Object.is(pool.fromBytes(cell, 1, cell.length - 1), first[i])).toBe(true));
    expect(pool.size).toBe(values.length);
  });

  it('stops keeping values past its cap, and still answers each one right', () => {
    const pool = new StringPool();
    const cells = Array.from({ length: 60_000 }, (_, i) => Buffer.from(`request-${i}`));
    cells.forEach((cell, i) => expect(pool.fromBytes(cell, 0, cell.length)).toBe(`request-${i}`));
    expect(pool.size).toBe(50_000);
  });
});
