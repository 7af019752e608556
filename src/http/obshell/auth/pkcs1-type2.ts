/**
 * PKCS#1 v1.5 type-2 padding removal that does not branch on, or index memory by, the decrypted
 * block: a padding oracle (Bleichenbacher, Marvin) needs the server to act differently on
 * good and bad padding. Every comparison yields a mask (0 or -1) instead of a boolean, and bad
 * padding continues with a fixed-length all-zero dummy message. Zero bytes are control
 * characters, so the dummy can never parse as JSON: the header then fails the same way as any
 * other undecipherable one.
 */

/** Minimum PKCS#1 v1.5 overhead: 00 02, at least 8 padding bytes, 00. */
export const PKCS1_OVERHEAD = 11;

/** -1 when a === b, else 0 (a, b are integers in [0, 2^31)). */
function equalMask(a: number, b: number): number {
  return ((a ^ b) - 1) >> 31;
}

/** -1 when a < b, else 0 (a, b are integers in [0, 2^30)). */
function lessMask(a: number, b: number): number {
  return (a - b) >> 31;
}

/**
 * Takes the raw RSA plaintext EM (k bytes: 00 02 PS 00 M) and returns M, or k - 11 zero bytes
 * when the padding is bad.
 */
export function stripPkcs1Type2(em: Uint8Array): Uint8Array {
  const k = em.length;
  const maxLength = k - PKCS1_OVERHEAD;
  let good = equalMask(em[0]!, 0) & equalMask(em[1]!, 2);
  let found = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const isZero = equalMask(em[i]!, 0);
    zeroIndex |= ~found & isZero & i;
    found |= isZero;
  }
  good &= found & ~lessMask(zeroIndex, PKCS1_OVERHEAD - 1);
  const length = ((k - 1 - zeroIndex) & good) | (maxLength & ~good);

  // M starts at zeroIndex + 1 >= 11: copy from 11, then shift left by the secret distance one
  // bit at a time, touching every byte on every step whatever the distance.
  const message = em.slice(PKCS1_OVERHEAD);
  const shift = (zeroIndex + 1 - PKCS1_OVERHEAD) & good;
  for (let bit = 0; 1 << bit <= maxLength; bit++) {
    const step = 1 << bit;
    const move = -((shift >> bit) & 1);
    for (let i = 0; i < maxLength; i++) {
      const source = i + step < maxLength ? message[i + step]! : 0;
      message[i] = (source & move) | (message[i]! & ~move);
    }
  }
  for (let i = 0; i < maxLength; i++) message[i] = message[i]! & good;
  return message.subarray(0, length);
}
