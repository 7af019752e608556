import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tableCrc32 } from './crc32.js';

describe('tableCrc32', () => {
  it('gives the standard check value', () => {
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('agrees with zlib', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (data) => tableCrc32(data) === zlib.crc32(data)));
  });
});
