import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PairCounts } from './pair-counts.js';

describe('PairCounts', () => {
  it('counts like a Map of pairs, through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 60 }), fc.nat({ max: 3000 })), { maxLength: 4000 }), (pairs) => {
        const counts = new PairCounts();
        const expected = new Map<string, number>();
        for (const [first, second] of pairs) {
          counts.add(first, second);
          expected.set(`${first},${second}`, (expected.get(`${first},${second}`) ?? 0) + 1);
        }
        const actual = new Map<string, number>();
        counts.forEach((first, second, count) => actual.set(`${first},${second}`, count));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });
});
