import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameScan, frame } from './frames.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'frames-'));
  file = join(dir, 'frames');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scan(limit?: number): Promise<{ payloads: string[]; ends: number[]; batches: number[]; scan: FrameScan }> {
  const reader = new FrameScan(file, limit);
  const payloads: string[] = [];
  const ends: number[] = [];
  const batches: number[] = [];
  for await (const frames of reader.batches()) {
    batches.push(frames.reduce((bytes, { payload }) => bytes + payload.length, 0));
    for (const { payload, end } of frames) {
      payloads.push(payload.toString());
      ends.push(end);
    }
  }
  return { payloads, ends, batches, scan: reader };
}

const payloads = ['a', '', 'x'.repeat(3 * 1024 * 1024), 'b'.repeat(700_000), 'c'.repeat(700_000), 'tail'];

describe('FrameScan', () => {
  beforeEach(async () => {
    await writeFile(file, Buffer.concat(payloads.map((text) => frame(Buffer.from(text)))));
  });

  it('reads back every frame, across chunk boundaries, a megabyte or one frame per batch', async () => {
    const result = await scan();
    expect(result.payloads).toEqual(payloads);
    expect(result.scan.damage).toBeNull();
    expect(result.ends.at(-1)).toBe(result.scan.validEnd);
    expect(Math.max(...result.batches)).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(result.batches.length).toBeGreaterThan(2);
  });

  it('stops at `limit`, reporting a frame cut by it as torn', async () => {
    const result = await scan(8 + 1 + 8 + 0 + 8 + 10);
    expect(result.payloads).toEqual(['a', '']);
    expect(result.scan.validEnd).toBe(17);
    expect(result.scan.damage).toBe('torn frame of 18 bytes at offset 17');
  });

  it('keeps the frames before a checksum mismatch', async () => {
    await appendFile(file, Buffer.from([3, 0, 0, 0, 1, 2, 3, 4, 65, 66, 67]));
    await appendFile(file, frame(Buffer.from('after')));
    const result = await scan();
    expect(result.payloads).toEqual(payloads);
    expect(result.scan.damage).toMatch(/^checksum mismatch at offset \d+$/);
  });

  it('keeps the frames before an impossible length', async () => {
    await appendFile(file, Buffer.from([255, 255, 255, 255, 0, 0, 0, 0]));
    const result = await scan();
    expect(result.payloads).toEqual(payloads);
    expect(result.scan.damage).toMatch(/^impossible frame length 4294967295 at offset \d+$/);
  });
});
