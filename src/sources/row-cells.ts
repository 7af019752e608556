import type { StringPool } from './string-pool.js';

/**
 * The cells of one result row, read once each in column order. A flavor builds its sessions from
 * a CellReader, so the same code reads a row's raw bytes (PacketCells, the fast path) or the
 * values mysql2 parsed (ValueCells). NULLs read as "" or 0, never "null" or NaN (clarification 5).
 */
export interface CellReader {
  /** The next cell as its column pool's instance of that value. */
  pooled(pool: StringPool): string;
  /** The next cell as a string of its own. */
  text(): string;
  /** The next cell as a finite number, 0 when it is NULL or not a number. */
  number(): number;
}

/** A text-protocol row as mysql2 holds it: the bytes it was read into, and where its cells start. */
export interface RowBytes {
  readonly buffer: Buffer;
  readonly offset: number;
}

const NULL_CELL = 0xfb;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
/** Digits below which an integer is exact in a double, and a fraction's quotient correctly rounded. */
const EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: EXACT_DIGITS + 1 }, (_, i) => 10 ** i);

/**
 * Reads cells straight from a row's bytes (MySQL text protocol: each cell a length-encoded
 * string, 0xfb for NULL). Numbers are parsed from their digits and pooled text is found by its
 * bytes, so most cells never become a string of their own.
 */
export class PacketCells implements CellReader {
  private bytes: Buffer = Buffer.alloc(0);
  private at = 0;

  /** Starts on a row. One reader serves every row of a read. */
  reset(row: RowBytes): this {
    this.bytes = row.buffer;
    this.at = row.offset;
    return this;
  }

  pooled(pool: StringPool): string {
    const length = this.length();
    if (length <= 0) return '';
    const start = this.at;
    this.at += length;
    return pool.fromBytes(this.bytes, start, this.at);
  }

  text(): string {
    const length = this.length();
    if (length <= 0) return '';
    const start = this.at;
    this.at += length;
    return utf8(this.bytes, start, this.at);
  }

  number(): number {
    const length = this.length();
    if (length <= 0) return 0;
    const bytes = this.bytes;
    const start = this.at;
    const end = start + length;
    this.at = end;
    let i = bytes[start] === MINUS ? start + 1 : start;
    let digits = 0;
    let value = 0;
    let scale = -1;
    for (; i < end; i++) {
      const byte = bytes[i]!;
      if (byte === DOT && scale < 0) {
        scale = 0;
        continue;
      }
      const digit = byte - ZERO;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      digits++;
      if (scale >= 0) scale++;
    }
    if (i < end || digits === 0 || digits > EXACT_DIGITS) return slowNumber(bytes, start, end);
    // Both operands are exact, so the quotient is the correctly rounded value, as parsing gives.
    const magnitude = scale > 0 ? value / POWERS_OF_TEN[scale]! : value;
    return bytes[start] === MINUS ? -magnitude : magnitude;
  }

  /** The next cell's length in bytes, or -1 for NULL (length-encoded integer). */
  private length(): number {
    const bytes = this.bytes;
    const first = bytes[this.at++]!;
    if (first < NULL_CELL) return first;
    if (first === NULL_CELL) return -1;
    const at = this.at;
    if (first === 0xfc) {
      this.at += 2;
      return bytes[at]! | (bytes[at + 1]! << 8);
    }
    if (first === 0xfd) {
      this.at += 3;
      return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    }
    this.at += 8;
    let length = 0;
    for (let k = 7; k >= 0; k--) length = length * 256 + bytes[at + k]!;
    return length;
  }
}

/** Node's own decoder behind Buffer#toString, without its per-call encoding lookup (mysql2 uses it too). */
const utf8Slice = (Buffer.prototype as Partial<{ utf8Slice(start: number, end: number): string }>).utf8Slice;

/** The UTF-8 text in bytes[start, end). */
export function utf8(bytes: Buffer, start: number, end: number): string {
  return utf8Slice ? utf8Slice.call(bytes, start, end) : bytes.toString('utf8', start, end);
}

/** Exponents, more digits than a double holds exactly, and anything else: as Number() reads it. */
function slowNumber(bytes: Buffer, start: number, end: number): number {
  const number = Number(bytes.toString('latin1', start, end));
  return Number.isFinite(number) ? number : 0;
}

/** Reads cells from a row mysql2 parsed into an array (strings, numbers, Buffers or null). */
export class ValueCells implements CellReader {
  private values: readonly unknown[] = [];
  private at = 0;

  reset(values: readonly unknown[]): this {
    this.values = values;
    this.at = 0;
    return this;
  }

  pooled(pool: StringPool): string {
    return pool.intern(this.text());
  }

  text(): string {
    const value = this.values[this.at++];
    return value === null || value === undefined ? '' : String(value);
  }

  number(): number {
    const number = Number(this.values[this.at++] ?? 0);
    return Number.isFinite(number) ? number : 0;
  }
}
