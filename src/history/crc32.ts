import zlib from 'node:zlib';

const TABLE = Int32Array.from({ length: 256 }, (_, index) => {
  let c = index;
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (IEEE, as zlib and gzip) in plain JS, for Node versions before zlib.crc32 (20.15). */
export function tableCrc32(data: Uint8Array): number {
  let crc = -1;
  for (const byte of data) crc = (TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

// zlib.crc32 is native and much faster, but package.json allows Node 20.6, which lacks it.
const nativeCrc32: typeof zlib.crc32 | undefined = zlib.crc32;

export const crc32: (data: Uint8Array) => number = nativeCrc32 ?? tableCrc32;
