import { quoted } from '../appgate/errors.js';
import { invalidRequest } from './errors.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * DBSS's `time_range` values as rolling windows ending now. MONTH is 30 days rather than a
 * calendar month: every other value is a fixed duration, and a window that changed length with
 * the month would make month-on-month figures incomparable.
 */
export const TIME_RANGES: Readonly<Record<string, number>> = {
  HALF_HOUR: 30 * MINUTE,
  HOUR,
  THREE_HOUR: 3 * HOUR,
  TWELVE_HOUR: 12 * HOUR,
  DAY,
  WEEK: 7 * DAY,
  MONTH: 30 * DAY,
};

/** A statistics request's body, checked: the window in epoch ms (both ends included). */
export interface DistributionRequest {
  readonly from: number;
  readonly to: number;
  /** The body's `db_id` entries; undefined (absent or empty) means every schema. */
  readonly dbIds: readonly string[] | undefined;
}

const MAX_DB_IDS = 1000;
const MAX_DB_ID_LENGTH = 256;
const TIME_FORMS = 'yyyy-MM-dd HH:mm:ss (UTC) or ISO 8601 extended format such as 2024-05-01T08:00:00Z or 2024-05-01T16:00:00+08:00';

/**
 * Reads `{db_id?: string[], time: {time_range?, start_time?, end_time?}}`. `time_range` wins
 * over start/end (which are then not looked at). An end in the future is cut to `now`; fields
 * DBSS does not define are ignored, as DBSS clients may send more than these APIs read.
 */
export function parseDistributionBody(body: unknown, now: number): DistributionRequest {
  if (!isObject(body)) throw invalidRequest('the request body must be a JSON object (Content-Type: application/json) such as {"time": {"time_range": "HOUR"}}');
  const time = body['time'];
  if (time === undefined || time === null) {
    throw invalidRequest('time is required: give time.time_range, or time.start_time and time.end_time');
  }
  if (!isObject(time)) throw invalidRequest('time must be an object such as {"time_range": "HOUR"}');
  return { ...window(time, now), dbIds: dbIdsOf(body['db_id']) };
}

function window(time: Record<string, unknown>, now: number): { from: number; to: number } {
  const range = time['time_range'];
  if (range !== undefined && range !== null) {
    const span = typeof range === 'string' && Object.hasOwn(TIME_RANGES, range) ? TIME_RANGES[range] : undefined;
    if (span === undefined) {
      const shown = typeof range === 'string' ? quoted(range) : JSON.stringify(range);
      throw invalidRequest(`time.time_range ${shown} is not one of ${Object.keys(TIME_RANGES).join(', ')}`);
    }
    return { from: now - span, to: now };
  }
  const from = instant(time, 'start_time');
  const to = instant(time, 'end_time');
  if (from > to) throw invalidRequest('time.start_time is after time.end_time');
  if (from > now) throw invalidRequest(`time.start_time is in the future (now is ${new Date(now).toISOString()})`);
  return { from, to: Math.min(to, now) };
}

function instant(time: Record<string, unknown>, field: 'start_time' | 'end_time'): number {
  const value = time[field];
  if (value === undefined || value === null || value === '') {
    throw invalidRequest(`time.${field} is required when time.time_range is absent (${TIME_FORMS})`);
  }
  const ms = typeof value === 'string' ? parseDbssTime(value) : null;
  if (ms === null) {
    const shown = typeof value === 'string' ? quoted(value) : JSON.stringify(value);
    throw invalidRequest(`time.${field} ${shown} is not a time in the form ${TIME_FORMS}`);
  }
  return ms;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?$/i;

/**
 * DBSS's `yyyy-MM-dd HH:mm:ss` (UTC), or ISO 8601 in its extended format (the one with `-` and
 * `:`, which is what clients send): `T` or a space, seconds optional, a fraction of a second
 * after `.` or `,`, and an offset of `Z`, `+hh:mm`, `+hhmm` or `+hh` (RFC 3339 and the forms
 * other languages print). No offset is UTC, as DBSS's own times are. The basic format
 * (20240501T080000Z), week and ordinal dates and times without minutes are refused rather than
 * guessed at. Null when malformed or not a real date (2024-02-30, 25:00).
 */
export function parseDbssTime(text: string): number | null {
  const match = TIME.exec(text);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second = '0', fraction = '0', , sign, offsetHours = '0', offsetMinutes = '0'] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = fields;
  if (h > 23 || mi > 59 || s > 59 || Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const date = new Date(utc);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * MINUTE;
  return sign === '-' ? utc + offset : utc - offset;
}

function dbIdsOf(value: unknown): readonly string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidRequest('db_id must be an array of strings (database ids or, for MySQL targets, schema names)');
  if (value.length > MAX_DB_IDS) throw invalidRequest(`db_id has ${value.length} entries: at most ${MAX_DB_IDS}`);
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || entry === '' || entry.length > MAX_DB_ID_LENGTH) {
      throw invalidRequest(`db_id[${index}] must be a non-empty string of at most ${MAX_DB_ID_LENGTH} characters`);
    }
  });
  return value.length === 0 ? undefined : (value as string[]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
