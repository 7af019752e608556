import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, type SegmentRecord } from './records.js';

const id = fc.nat({ max: 100_000 });
const instant = fc.integer({ min: 0, max: Date.UTC(9999, 0) });
const started = fc.record({ key: fc.string(), tenant: id, db: id, user: id, client_ip: id });

const record: fc.Arbitrary<SegmentRecord> = fc.oneof(
  fc.record({
    kind: fc.constant('open' as const),
    target: fc.string(),
    dayStart: instant,
    since: instant,
    strings: fc.array(fc.string({ unit: 'grapheme' })),
    carried: fc.array(fc.record({ key: fc.string(), tenant: id, db: id, user: id, client_ip: id, firstSeen: instant })),
  }),
  fc.record({
    kind: fc.constant('scrape' as const),
    at: instant,
    strings: fc.array(fc.string({ unit: 'grapheme' })),
    ended: fc.array(id),
    moved: fc.array(fc.record({ sid: id, db: id })),
    started: fc.array(started),
  }),
);

describe('segment records', () => {
  it('decode to what was encoded', () => {
    fc.assert(
      fc.property(record, (value) => {
        expect(decodeRecord(encodeRecord(value))).toEqual(value);
      }),
    );
  });

  it('reject a cut record, trailing bytes and an unknown kind', () => {
    const bytes = Buffer.from(encodeRecord({ kind: 'scrape', at: Date.UTC(2024, 0, 1), strings: ['shop'], ended: [1], moved: [], started: [] }));
    expect(() => decodeRecord(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    expect(() => decodeRecord(Buffer.concat([bytes, Buffer.from([0])]))).toThrow('trailing bytes');
    expect(() => decodeRecord(Buffer.from([9]))).toThrow('unknown record kind 9');
  });

  it('reject a segment of another format version', () => {
    const bytes = Buffer.from(encodeRecord({ kind: 'open', target: 'x', dayStart: 0, since: 0, strings: [], carried: [] }));
    bytes[1] = 2;
    expect(() => decodeRecord(bytes)).toThrow('unsupported segment format 2');
  });
});
