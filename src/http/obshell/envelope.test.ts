import { describe, expect, it } from 'vitest';
import { JsonUint64, stringifyWithUint64s } from './envelope.js';

describe('stringifyWithUint64s', () => {
  it('writes uint64s as exact JSON numbers', () => {
    const text = stringifyWithUint64s({ page: { size: new JsonUint64(2n ** 64n - 1n), number: new JsonUint64(1n) }, n: 2 });
    expect(text).toBe('{"page":{"size":18446744073709551615,"number":1},"n":2}');
  });

  it('leaves strings alone, even ones shaped like a marked number', () => {
    const marked = JSON.parse(JSON.stringify(new JsonUint64(7n))) as string;
    const value = { info: 'abc:12', forged: marked.replace(/\d+$/, '') + 'x', big: new JsonUint64(5n) };
    expect(JSON.parse(stringifyWithUint64s(value))).toEqual({ info: 'abc:12', forged: value.forged, big: 5 });
  });

  it('is plain JSON.stringify without uint64s', () => {
    const value = { a: [1, 'two', null], b: { c: true } };
    expect(stringifyWithUint64s(value)).toBe(JSON.stringify(value));
  });
});
