import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PKCS1_OVERHEAD, stripPkcs1Type2 } from './pkcs1-type2.js';

const K = 256;

/** 00 02 PS 00 M with PS of nonzero bytes, as an RFC 8017 encoder builds it. */
function pad(message: Uint8Array, psByte = 0x5a): Uint8Array {
  const em = new Uint8Array(K).fill(psByte);
  em[0] = 0;
  em[1] = 2;
  em[K - message.length - 1] = 0;
  em.set(message, K - message.length);
  return em;
}

const dummy = new Uint8Array(K - PKCS1_OVERHEAD);

describe('stripPkcs1Type2', () => {
  it('returns the message of any length a block can carry, with any nonzero padding bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: K - PKCS1_OVERHEAD }), fc.integer({ min: 1, max: 255 }), (message, psByte) => {
        expect(stripPkcs1Type2(pad(message, psByte))).toEqual(message);
      }),
    );
  });

  it('keeps zero bytes inside the message (only the first zero after PS ends the padding)', () => {
    const message = Uint8Array.from([0, 0, 7, 0]);
    expect(stripPkcs1Type2(pad(message))).toEqual(message);
  });

  it('gives the fixed-length zero dummy for a wrong first or second byte', () => {
    const message = new TextEncoder().encode('{"Auth":"x"}');
    for (const [index, value] of [[0, 1], [1, 1], [1, 0], [1, 3]] as const) {
      const em = pad(message);
      em[index] = value;
      expect(stripPkcs1Type2(em)).toEqual(dummy);
    }
  });

  it('gives the dummy when PS is shorter than 8 bytes', () => {
    for (let zeroAt = 2; zeroAt < PKCS1_OVERHEAD - 1; zeroAt++) {
      const em = pad(new Uint8Array(K - zeroAt - 1).fill(1));
      expect(em[zeroAt]).toBe(0);
      expect(stripPkcs1Type2(em)).toEqual(dummy);
    }
  });

  it('accepts exactly 8 padding bytes', () => {
    const message = new Uint8Array(K - PKCS1_OVERHEAD).fill(9);
    expect(stripPkcs1Type2(pad(message))).toEqual(message);
  });

  it('gives the dummy when no zero separates padding from message', () => {
    const em = new Uint8Array(K).fill(0x33);
    em[0] = 0;
    em[1] = 2;
    expect(stripPkcs1Type2(em)).toEqual(dummy);
  });

  it('gives the dummy for random blocks that are not type 2', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: K, maxLength: K }), (em) => {
        fc.pre(em[0] !== 0 || em[1] !== 2);
        expect(stripPkcs1Type2(em)).toEqual(dummy);
      }),
    );
  });

  it('does not modify its input', () => {
    const em = pad(randomBytes(40).map((b) => b | 1));
    const copy = em.slice();
    stripPkcs1Type2(em);
    expect(em).toEqual(copy);
  });
});
