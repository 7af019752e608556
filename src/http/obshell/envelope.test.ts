import { describe, expect, it } from 'vitest';
import { stringifyWithBigInts } from './envelope.js';

describe('stringifyWithBigInts', () => {
  it('writes bigints as exact JSON numbers', () => {
    const text = stringifyWithBigInts({ page: { size: 2n ** 64n - 1n, number: 1n }, n: 2 });
    expect(text).toBe('{"page":{"size":18446744073709551615,"number":1},"n":2}');
  });

  it('leaves strings that look like a marker alone', () => {
    const value = { info: 'abc:12', other: '"x:1"', big: 5n };
    expect(JSON.parse(stringifyWithBigInts(value))).toEqual({ info: 'abc:12', other: '"x:1"', big: 5 });
  });

  it('is plain JSON.stringify without bigints', () => {
    const value = { a: [1, 'two', null], b: { c: true } };
    expect(stringifyWithBigInts(value)).toBe(JSON.stringify(value));
  });
});
