import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openGeoIp, type GeoIpResolver } from '../../src/geoip/resolver.js';
import { buildMmdb } from '../support/mmdb-writer.js';
import { recordingLogger, type LogLine } from './recording-logger.js';

/** A database placing the test addresses in `country`; its size differs per country on purpose. */
function database(country: string): Buffer {
  return buildMmdb(
    [
      { network: '81.2.69.0/24', data: { country: { iso_code: country } } },
      { network: '2001:218::/32', data: { country: { iso_code: country } } },
    ],
    { databaseType: 'GeoIP2-Country', description: { en: `places everything in ${country}`.repeat(country.length) } },
  );
}

const ADDRESSES = ['81.2.69.142', '2001:218::1', '::ffff:81.2.69.1'];

/** Looks up every millisecond, like scrapes that keep coming, and keeps every answer. */
function lookupLoop(geo: GeoIpResolver): { answers: Set<string>; errors: unknown[]; stop: () => void } {
  const answers = new Set<string>();
  const errors: unknown[] = [];
  const round = (): void => {
    try {
      for (const ip of ADDRESSES) answers.add(geo.lookup(ip).country);
    } catch (error) {
      errors.push(error);
    }
  };
  round();
  const timer = setInterval(round, 1);
  return { answers, errors, stop: () => clearInterval(timer) };
}

/** The loop ran, never failed, and only ever saw the old or the new database. */
function expectOnly(loop: ReturnType<typeof lookupLoop>, countries: string[]): void {
  expect(loop.errors).toEqual([]);
  expect(loop.answers.has('GB')).toBe(true);
  expect([...loop.answers].filter((country) => !countries.includes(country))).toEqual([]);
}

let dir: string;
let path: string;
let geo: GeoIpResolver;
let lines: LogLine[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'geoip-reload-'));
  path = join(dir, 'GeoLite2-Country.mmdb');
  await writeFile(path, database('GB'));
  const log = recordingLogger();
  lines = log.lines;
  geo = await openGeoIp({ database: path, pollIntervalMs: 20 }, log);
});

afterEach(async () => {
  geo.close();
  await rm(dir, { recursive: true, force: true });
});

async function replaceAtomically(content: Buffer): Promise<void> {
  const next = join(dir, `.next-${Date.now()}.mmdb`);
  await writeFile(next, content);
  await rename(next, path);
}

async function until(country: string): Promise<void> {
  await vi.waitFor(() => expect(ADDRESSES.map((ip) => geo.lookup(ip).country)).toEqual([country, country, country]), {
    timeout: 10_000,
    interval: 10,
  });
}

describe('a configured database file that is replaced', () => {
  it('swaps to the new database on atomic rename, with no failed lookup during the swap', async () => {
    const loop = lookupLoop(geo);
    await until('GB');
    await replaceAtomically(database('SE'));
    await until('SE');
    loop.stop();
    expectOnly(loop, ['GB', 'SE']);
  });

  it('swaps on an in-place overwrite too', async () => {
    const loop = lookupLoop(geo);
    await writeFile(path, database('JP'));
    await until('JP');
    loop.stop();
    expectOnly(loop, ['GB', 'JP']);
  });

  it('keeps the loaded database while the file is broken or missing, then takes the next good one', async () => {
    const loop = lookupLoop(geo);
    await replaceAtomically(Buffer.from('this is not an mmdb file'));
    await vi.waitFor(() => expect(lines.some((l) => l.level === 'warn' && /could not be reloaded/.test(l.msg))).toBe(true), { timeout: 10_000 });
    expect(geo.lookup('81.2.69.142').country).toBe('GB');

    await unlink(path);
    await vi.waitFor(() => expect(lines.some((l) => l.level === 'warn' && /missing/.test(l.msg))).toBe(true), { timeout: 10_000 });
    expect(geo.lookup('2001:218::1').country).toBe('GB');

    await replaceAtomically(database('US'));
    await until('US');
    loop.stop();
    expectOnly(loop, ['GB', 'US']);
  });

  it('stops watching on close', async () => {
    geo.close();
    await replaceAtomically(database('FR'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(geo.lookup('81.2.69.142').country).toBe('GB');
  });
});
