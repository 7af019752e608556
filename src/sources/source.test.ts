import { describe, expect, it } from 'vitest';
import { MAX_INFO_BYTES, truncateUtf8 } from './source.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('truncateUtf8', () => {
  it.each([
    ['', 4, ''],
    ['abc', 3, 'abc'],
    ['abcd', 3, 'abc'],
    // 2-, 3- and 4-byte characters are kept whole or left out whole.
    ['aé', 2, 'a'],
    ['aé', 3, 'aé'],
    ['a€', 3, 'a'],
    ['a€', 4, 'a€'],
    ['a😀', 4, 'a'],
    ['a😀', 5, 'a😀'],
    ['😀😀', 7, '😀'],
    ['x', 0, ''],
  ])('%j in %d bytes -> %j', (text, max, expected) => {
    expect(truncateUtf8(text, max)).toBe(expected);
  });

  it('cuts SQL text at 64 KiB of UTF-8, not 64 Ki characters, and never splits a character', () => {
    for (const char of ['€', '😀', 'é', 'a']) {
      for (const prefix of ['', 'a', 'ab', 'abc']) {
        const text = prefix + char.repeat(70_000);
        const cut = truncateUtf8(text, MAX_INFO_BYTES);
        expect(bytes(cut)).toBeLessThanOrEqual(MAX_INFO_BYTES);
        // Whole characters only: one more would not fit.
        expect(bytes(cut) + bytes(char)).toBeGreaterThan(MAX_INFO_BYTES);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.endsWith(char)).toBe(true);
      }
    }
  });

  it('returns short text as it is', () => {
    const text = 'SELECT * FROM users WHERE name = ' + "'€'".repeat(100);
    expect(truncateUtf8(text, MAX_INFO_BYTES)).toBe(text);
  });
});
