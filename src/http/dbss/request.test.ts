import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DbssError } from './errors.js';
import { parseDbssTime, parseDistributionBody, TIME_RANGES } from './request.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

function failure(body: unknown): DbssError {
  try {
    parseDistributionBody(body, NOW);
  } catch (error) {
    if (error instanceof DbssError) return error;
    throw error;
  }
  throw new Error('parsed without an error');
}

describe('parseDbssTime', () => {
  it.each([
    ['2024-05-01 08:00:00', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T08:00:00Z', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T08:00:00', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T08:00', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T08:00:00.250Z', Date.UTC(2024, 4, 1, 8, 0, 0, 250)],
    ['2024-05-01T08:00:00.123456789z', Date.UTC(2024, 4, 1, 8, 0, 0, 123)],
    ['2024-05-01T16:00:00+08:00', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T03:30:00-0430', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T16:00:00+08', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T05:00-03', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T08:00:00,5Z', Date.UTC(2024, 4, 1, 8, 0, 0, 500)],
    ['2024-05-01 16:00:00.250+08:00', Date.UTC(2024, 4, 1, 8, 0, 0, 250)],
    ['2024-02-29 23:59:59', Date.UTC(2024, 1, 29, 23, 59, 59)],
  ])('%s', (text, ms) => {
    expect(parseDbssTime(text)).toBe(ms);
  });

  it.each(['', '2024-05-01', '2024-5-1 08:00:00', '2023-02-29 00:00:00', '2024-13-01 00:00:00', '2024-05-01 24:00:00', '2024-05-01 08:60:00', '2024-05-01 08:00:60', '2024-05-01T08:00:00+25:00', '1714550400000', 'yesterday', '2024-05-01 08:00:00 UTC',
    // The basic format, week and ordinal dates, times without minutes, fractions of minutes, short offsets.
    '20240501T080000Z', '2024-05-01T080000Z', '20240501T08:00:00Z', '2024-W18-3T08:00:00Z', '2024-122T08:00:00Z', '2024-05-01T08Z', '2024-05-01T08:00.5Z',
    '2024-05-01T16:00:00+8', '2024-05-01T16:00:00+08:0', '2024-05-01T16:00:00+080', '2024-05-01T16:00:00+08:', '2024-05-01T08:00:00.Z'])(
    'rejects %j',
    (text) => {
      expect(parseDbssTime(text)).toBeNull();
    },
  );
});

describe('parseDistributionBody', () => {
  it.each(Object.entries(TIME_RANGES))('time_range %s is a window of that length ending now', (range, span) => {
    expect(parseDistributionBody({ time: { time_range: range } }, NOW)).toEqual({ from: NOW - span, to: NOW, dbIds: undefined });
  });

  it('takes MONTH as 30 days', () => {
    expect(TIME_RANGES['MONTH']).toBe(30 * 86_400_000);
  });

  it('lets time_range win over start and end, even broken ones', () => {
    const body = { time: { time_range: 'HOUR', start_time: 'garbage', end_time: '2020-01-01 00:00:00' } };
    expect(parseDistributionBody(body, NOW)).toMatchObject({ from: NOW - 3_600_000, to: NOW });
  });

  it('reads start and end, cutting an end in the future to now', () => {
    expect(parseDistributionBody({ time: { start_time: '2024-05-01 08:00:00', end_time: '2024-05-01 09:30:00' } }, NOW)).toMatchObject({
      from: Date.UTC(2024, 4, 1, 8),
      to: Date.UTC(2024, 4, 1, 9, 30),
    });
    expect(parseDistributionBody({ time: { start_time: '2024-05-01 08:00:00', end_time: '2030-01-01 00:00:00' } }, NOW).to).toBe(NOW);
    expect(parseDistributionBody({ time: { start_time: '2024-05-01 08:00:00', end_time: '2024-05-01 08:00:00' } }, NOW)).toMatchObject({
      from: Date.UTC(2024, 4, 1, 8),
      to: Date.UTC(2024, 4, 1, 8),
    });
  });

  it('keeps db_id entries, and takes an empty list as every schema', () => {
    expect(parseDistributionBody({ db_id: ['500001', 'shop'], time: { time_range: 'DAY' } }, NOW).dbIds).toEqual(['500001', 'shop']);
    expect(parseDistributionBody({ db_id: [], time: { time_range: 'DAY' } }, NOW).dbIds).toBeUndefined();
    expect(parseDistributionBody({ db_id: null, time: { time_range: 'DAY' } }, NOW).dbIds).toBeUndefined();
  });

  it.each([
    [undefined, /body must be a JSON object/],
    [[], /body must be a JSON object/],
    [{}, /^time is required/],
    [{ time: null }, /^time is required/],
    [{ time: 'HOUR' }, /^time must be an object/],
    [{ time: { time_range: 'YEAR' } }, /^time\.time_range "YEAR" is not one of HALF_HOUR, HOUR, THREE_HOUR, TWELVE_HOUR, DAY, WEEK, MONTH$/],
    [{ time: { time_range: 'hour' } }, /^time\.time_range "hour" is not one of/],
    [{ time: { time_range: 3600 } }, /^time\.time_range 3600 is not one of/],
    [{ time: {} }, /^time\.start_time is required when time\.time_range is absent/],
    [{ time: { start_time: '2024-05-01 08:00:00' } }, /^time\.end_time is required/],
    [{ time: { start_time: '2024-05-01', end_time: '2024-05-01 09:00:00' } }, /^time\.start_time "2024-05-01" is not a time in the form yyyy-MM-dd HH:mm:ss/],
    [{ time: { start_time: '2024-05-01 08:00:00', end_time: 1714550400 } }, /^time\.end_time 1714550400 is not a time/],
    [{ time: { start_time: '2024-05-01 09:00:00', end_time: '2024-05-01 08:00:00' } }, /^time\.start_time is after time\.end_time$/],
    [{ time: { start_time: '2024-05-02 09:00:00', end_time: '2024-05-03 08:00:00' } }, /^time\.start_time is in the future/],
    [{ db_id: '500001', time: { time_range: 'HOUR' } }, /^db_id must be an array of strings/],
    [{ db_id: ['500001', 7], time: { time_range: 'HOUR' } }, /^db_id\[1\] must be a non-empty string/],
    [{ db_id: [''], time: { time_range: 'HOUR' } }, /^db_id\[0\] must be a non-empty string/],
    [{ db_id: Array.from({ length: 1001 }, (_, i) => String(i)), time: { time_range: 'HOUR' } }, /^db_id has 1001 entries: at most 1000$/],
  ])('%j is a 400 naming the field', (body, message) => {
    const error = failure(body);
    expect(error.status).toBe(400);
    expect(error.code).toBe('DBSS.10000001');
    expect(error.message).toMatch(message);
  });

  it('cuts a huge bad value short in the message', () => {
    expect(failure({ time: { time_range: 'X'.repeat(10_000) } }).message.length).toBeLessThan(250);
  });
});

describe('fuzzed bodies (clarification 1: never a 500)', () => {
  const times = fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2024-05-01 08:00:00', '2024-02-30 00:00:00'));
  const bodies = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        db_id: fc.oneof(fc.jsonValue(), fc.array(fc.string())),
        time: fc.oneof(fc.jsonValue(), fc.record({ time_range: fc.oneof(fc.jsonValue(), fc.constantFrom(...Object.keys(TIME_RANGES))), start_time: fc.oneof(times, fc.jsonValue()), end_time: fc.oneof(times, fc.jsonValue()) }, { requiredKeys: [] })),
      },
      { requiredKeys: [] },
    ),
  );

  it('either reads a window ending by now or fails with a 400, nothing else', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        try {
          const { from, to } = parseDistributionBody(body, NOW);
          expect(from).toBeLessThanOrEqual(to);
          expect(to).toBeLessThanOrEqual(NOW);
        } catch (error) {
          expect(error).toBeInstanceOf(DbssError);
          expect((error as DbssError).status).toBe(400);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parses any text to a time or null without throwing', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const ms = parseDbssTime(text);
        expect(ms === null || Number.isFinite(ms)).toBe(true);
      }),
    );
  });
});
