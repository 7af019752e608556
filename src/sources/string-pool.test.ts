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
});
