import { open } from 'node:fs/promises';
import { crc32 } from './crc32.js';

/**
 * A frame is `[u32 payload length][u32 CRC-32 of payload][payload]`, little endian. Frames are
 * only ever appended, so damage can only be a torn or garbled tail: a reader keeps every frame
 * up to the first one that is incomplete or fails its checksum, and reports where that is.
 */
const HEADER_BYTES = 8;
/** A larger length can only be garbage: one scrape of a million sessions stays far below. */
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;

export function frame(payload: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  framed.writeUInt32LE(payload.length, 0);
  framed.writeUInt32LE(crc32(payload), 4);
  framed.set(payload, HEADER_BYTES);
  return framed;
}

export interface Frame {
  payload: Buffer;
  /** File offset just past this frame. */
  end: number;
}

/** Reads the frames of one file in batches of about a megabyte, so memory stays flat. */
export class FrameScan {
  /** Offset just past the last intact frame read so far. */
  validEnd = 0;
  /** Why reading stopped before `limit`, or null when every byte was an intact frame. */
  damage: string | null = null;

  /**
   * `limit` caps what is read: a file being appended to is read up to its last committed frame.
   * `chunkBytes` is how much to read at a time (at least one whole frame is always read).
   */
  constructor(
    private readonly path: string,
    private readonly limit = Number.POSITIVE_INFINITY,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  async *batches(): AsyncGenerator<Frame[]> {
    const handle = await open(this.path, 'r');
    try {
      const size = Math.min((await handle.stat()).size, this.limit);
      let buffer = Buffer.alloc(0);
      let readTo = 0;
      for (;;) {
        const { frames, consumed, damage } = splitFrames(buffer, this.validEnd);
        this.validEnd += consumed;
        if (frames.length > 0) yield frames;
        if (damage !== null) {
          this.damage = `${damage} at offset ${this.validEnd}`;
          return;
        }
        const rest = buffer.subarray(consumed);
        if (readTo >= size) {
          if (rest.length > 0) this.damage = `torn frame of ${rest.length} bytes at offset ${this.validEnd}`;
          return;
        }
        const want = Math.min(Math.max(this.chunkBytes, frameBytesNeeded(rest) - rest.length), size - readTo);
        buffer = Buffer.allocUnsafe(rest.length + want);
        rest.copy(buffer);
        const { bytesRead } = await handle.read(buffer, rest.length, want, readTo);
        readTo += bytesRead;
        buffer = buffer.subarray(0, rest.length + bytesRead);
        if (bytesRead === 0) readTo = size;
      }
    } finally {
      await handle.close();
    }
  }
}

function frameBytesNeeded(partial: Buffer): number {
  return partial.length < HEADER_BYTES ? HEADER_BYTES : HEADER_BYTES + partial.readUInt32LE(0);
}

function splitFrames(buffer: Buffer, fileOffset: number): { frames: Frame[]; consumed: number; damage: string | null } {
  const frames: Frame[] = [];
  let offset = 0;
  while (buffer.length - offset >= HEADER_BYTES) {
    const length = buffer.readUInt32LE(offset);
    if (length > MAX_PAYLOAD_BYTES) return { frames, consumed: offset, damage: `impossible frame length ${length}` };
    const end = offset + HEADER_BYTES + length;
    if (end > buffer.length) break;
    const payload = buffer.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== buffer.readUInt32LE(offset + 4)) return { frames, consumed: offset, damage: 'checksum mismatch' };
    frames.push({ payload, end: fileOffset + end });
    offset = end;
  }
  return { frames, consumed: offset, damage: null };
}
