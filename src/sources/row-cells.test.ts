import { describe, expect, it } from 'vitest';
import { PacketCells, ValueCells, type CellReader } from './row-cells.js';
import { StringPool } from './string-pool.js';

/** One text-protocol row: each cell length-encoded, null as 0xfb; `lengthBytes` forces a wider length prefix. */
function row(cells: Array<string | null>, lengthBytes: 1 | 3 | 4 | 9 = 1): { buffer: Buffer; offset: number } {
  const parts = cells.map((cell) => {
    if (cell === null) return Buffer.from([0xfb]);
    const body = Buffer.from(cell, 'utf8');
    const n = body.length;
    const prefix =
      lengthBytes === 1 && n < 0xfb
        ? Buffer.from([n])
        : lengthBytes === 3
          ? Buffer.from([0xfc, n & 0xff, n >> 8])
          : lengthBytes === 4
            ? Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16])
            : Buffer.from([0xfe, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, 0, 0, 0, 0, 0]);
    return Buffer.concat([prefix, body]);
  });
  // Cells start after some header bytes, as in a packet.
  return { buffer: Buffer.concat([Buffer.from([9, 9, 9, 9]), ...parts]), offset: 4 };
}

const read = (cells: CellReader, count: number, how: (c: CellReader) => unknown) => Array.from({ length: count }, () => how(cells));

describe('PacketCells', () => {
  const values = ['', 'SLEEP', 'Åsa 漢字 😀', null, '12', '-0.5', '3.25', '1e3', 'abc', '99999999999999999999', '.5', '7.', '1.2.3'];

  it('reads text and numbers as ValueCells reads the same values parsed, whatever the length prefix', () => {
    for (const width of [1, 3, 4, 9] as const) {
      const bytes = row(values, width);
      expect(read(new PacketCells().reset(bytes), values.length, (c) => c.text())).toEqual(read(new ValueCells().reset(values), values.length, (c) => c.text()));
      expect(read(new PacketCells().reset(bytes), values.length, (c) => c.number())).toEqual(read(new ValueCells().reset(values), values.length, (c) => c.number()));
    }
  });

  it('gives fractions exactly the double that parsing the digits gives', () => {
    const fractions = Array.from({ length: 2000 }, (_, i) => `${i * 7}.${String((i * 7919) % 1_000_000).padStart(6, '0')}`);
    expect(read(new PacketCells().reset(row(fractions)), fractions.length, (c) => c.number())).toEqual(fractions.map(Number));
  });

  it('pools text by its bytes, also text that is not ASCII or not valid UTF-8', () => {
    const pool = new StringPool();
    const texts = ['tenant', 'tënant', 'テナント', '\u00ff', 'tenant'];
    const bytes = row(texts);
    const first = read(new PacketCells().reset(bytes), texts.length, (c) => c.pooled(pool));
    const again = read(new PacketCells().reset(bytes), texts.length, (c) => c.pooled(pool));
    expect(first).toEqual(texts);
    first.forEach((value, i) => expect(Object.is(value, again[i])).toBe(true));
    expect(Object.is(first[0], first[4])).toBe(true);
    const invalid = { buffer: Buffer.from([2, 0xff, 0xfe, 2, 0xff, 0xfe]), offset: 0 };
    const cells = new PacketCells().reset(invalid);
    expect(Object.is(cells.pooled(pool), cells.pooled(pool))).toBe(true);
  });
});
