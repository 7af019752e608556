/**
 * Growable little-endian byte writer with LEB128 varints. Varints go up to 2^53 (epoch
 * milliseconds need 41 bits), so they use arithmetic rather than 32-bit bitwise operators.
 */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.u8((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.u8(rest);
  }

  string(value: string): void {
    const bytes = Buffer.byteLength(value);
    this.varint(bytes);
    this.reserve(bytes);
    this.length += this.buffer.write(value, this.length);
  }

  /** The bytes written so far (a view: write nothing more before using it). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Reads what ByteWriter wrote; throws RangeError instead of reading past the end. */
export class ByteReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buffer.length;
  }

  u8(): number {
    const value = this.buffer[this.offset];
    if (value === undefined) throw new RangeError('read past the end of a record');
    this.offset++;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > Number.MAX_SAFE_INTEGER) throw new RangeError('varint too long');
    }
  }

  string(): string {
    const end = this.stringEnd();
    const value = this.buffer.toString('utf8', this.offset, end);
    this.offset = end;
    return value;
  }

  /** Steps over a string without decoding it; returns "". */
  skipString(): string {
    this.offset = this.stringEnd();
    return '';
  }

  private stringEnd(): number {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.length) throw new RangeError('string runs past the end of a record');
    return end;
  }
}
