import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttributeLimit, attributeKey, withKey } from './attribute-limit.js';

const point = (client: string, value = 1) => withKey({ labels: { target: 't', client_ip: client }, value });
const keys = (series: readonly { labels: Record<string, string> }[]) => series.map((s) => s.labels.client_ip);

describe('AttributeLimit', () => {
  it('keeps everything up to the limit', () => {
    const limit = new AttributeLimit();
    const series = ['a', 'b', 'c'].map((c) => point(c));
    expect(limit.apply(series, 3)).toEqual({ kept: series, over: [] });
  });

  it('keeps limit - 1 points over the limit, those seen first, and leaves room for the overflow point', () => {
    const limit = new AttributeLimit();
    limit.apply(['a', 'b'].map((c) => point(c)), 3);
    const { kept, over } = limit.apply(['x', 'b', 'y', 'a'].map((c) => point(c)), 3);
    expect(keys(kept)).toEqual(['b', 'a']);
    expect(keys(over)).toEqual(['x', 'y']);
  });

  it('frees the place of a vanished attribute set for the next one', () => {
    const limit = new AttributeLimit();
    limit.apply(['a', 'b', 'c'].map((c) => point(c)), 3);
    expect(keys(limit.apply(['a', 'c', 'd', 'e'].map((c) => point(c)), 3).kept)).toEqual(['a', 'c']);
    expect(keys(limit.apply(['c', 'd', 'e', 'f'].map((c) => point(c)), 3).kept)).toEqual(['c', 'd']);
  });

  it('never exceeds the limit and loses no point: kept and over partition the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 2, max: 12 }),
        (exports, max) => {
          const limit = new AttributeLimit();
          for (const clients of exports) {
            const series = clients.map((c) => point(String(c)));
            const { kept, over } = limit.apply(series, max);
            expect(kept.length + (over.length > 0 ? 1 : 0)).toBeLessThanOrEqual(max);
            expect([...keys(kept), ...keys(over)].sort()).toEqual(keys(series).sort());
          }
        },
      ),
    );
  });

  it('keys attribute sets by content, without ambiguity', () => {
    expect(attributeKey({ a: '1', b: '2' })).toBe(attributeKey({ a: '1', b: '2' }));
    expect(attributeKey({ a: '1', b: '2' })).not.toBe(attributeKey({ a: '12' }));
    expect(attributeKey({ a: '1","b":"2' })).not.toBe(attributeKey({ a: '1', b: '2' }));
  });
});
