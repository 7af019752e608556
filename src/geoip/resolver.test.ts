import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test/geoip/recording-logger.js';
import { buildMmdb, writeMmdb, type MmdbEntry } from '../../test/support/mmdb-writer.js';
import type { GeoLocation } from '../snapshot/session.js';
import { PRIVATE_LOCATION, UNKNOWN_LOCATION } from './record.js';
import { openGeoIp, type GeoIpResolver } from './resolver.js';

// Every reserved range is given a country here, so "private" proves no lookup happened.
const RESERVED_DECOYS: MmdbEntry[] = ['10.0.0.0/8', '127.0.0.0/8', '192.168.0.0/16', '192.0.2.0/24', '100.64.0.0/10', 'fc00::/7', 'fe80::/10', '::1/128'].map(
  (network) => ({ network, data: { country: { iso_code: 'KP' }, continent: { code: 'AS' } } }),
);

const NESTED: MmdbEntry[] = [
  {
    network: '81.2.69.0/24',
    data: { continent: { code: 'EU' }, country: { iso_code: 'GB' }, location: { latitude: 51.5142, longitude: -0.0931 } },
  },
  { network: '2001:218::/32', data: { continent: { code: 'AS' }, country: { iso_code: 'JP' }, location: { latitude: 35.68536, longitude: 139.75309 } } },
  { network: '216.160.83.0/24', data: { continent: { code: 'NA' }, country: { iso_code: 'US' } } },
  { network: '67.43.156.0/24', data: { registered_country: { iso_code: 'RO' } } },
  ...RESERVED_DECOYS,
];

const FLAT: MmdbEntry[] = [
  { network: '8.8.8.0/24', data: { country_code: 'US' } },
  { network: '2001:4860::/32', data: { country_code: 'US' } },
  { network: '1.1.1.0/24', data: { country_code: 'AU' } },
  ...RESERVED_DECOYS.map(({ network }) => ({ network, data: { country_code: 'KP' } })),
];

const loc = (country: string, continent: string, latitude: number | null, longitude: number | null): GeoLocation => ({
  country,
  continent,
  latitude,
  longitude,
});

let dir: string;
const open: GeoIpResolver[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'geoip-'));
});

afterEach(async () => {
  for (const resolver of open.splice(0)) resolver.close();
  await rm(dir, { recursive: true, force: true });
});

async function resolverFor(entries: MmdbEntry[], ipVersion: 4 | 6 = 6): Promise<GeoIpResolver> {
  const path = join(dir, `db-${open.length}.mmdb`);
  await writeMmdb(path, entries, { databaseType: 'Test', ipVersion });
  const resolver = await openGeoIp({ database: path }, recordingLogger());
  open.push(resolver);
  return resolver;
}

describe('openGeoIp with a nested (GeoIP2/GeoLite2) database', () => {
  it('resolves IPv4, IPv6 and IPv4-mapped IPv6 addresses', async () => {
    const geo = await resolverFor(NESTED);
    expect(geo.lookup('81.2.69.142')).toEqual(loc('GB', 'EU', 51.5142, -0.0931));
    expect(geo.lookup('::ffff:81.2.69.142')).toEqual(loc('GB', 'EU', 51.5142, -0.0931));
    expect(geo.lookup('2001:218::1')).toEqual(loc('JP', 'AS', 35.68536, 139.75309));
  });

  it('uses the country centroid without a location and registered_country without a country', async () => {
    const geo = await resolverFor(NESTED);
    expect(geo.lookup('216.160.83.56')).toEqual(loc('US', 'NA', 37.09024, -95.712891));
    expect(geo.lookup('67.43.156.1')).toEqual(loc('RO', 'EU', 45.943161, 24.96676));
  });
});

describe('openGeoIp with a flat (ip-location-db) database', () => {
  it('resolves IPv4 and IPv6 with continent and centroid from the country table', async () => {
    const geo = await resolverFor(FLAT);
    expect(geo.lookup('8.8.8.8')).toEqual(loc('US', 'NA', 37.09024, -95.712891));
    expect(geo.lookup('2001:4860:4860::8888')).toEqual(loc('US', 'NA', 37.09024, -95.712891));
    expect(geo.lookup('1.1.1.1')).toEqual(loc('AU', 'OC', -25.274398, 133.775136));
  });

  it('does not walk an IPv4-only tree with an IPv6 address', async () => {
    const geo = await resolverFor([{ network: '32.0.0.0/8', data: { country_code: 'AA' } }], 4);
    expect(geo.lookup('32.1.2.3').country).toBe('AA');
    expect(geo.lookup('2001:4860::1')).toBe(UNKNOWN_LOCATION); // its first 32 bits are 32.1.72.96
  });
});

describe('lookup', () => {
  it.each(['10.1.2.3', '127.0.0.1', '192.168.0.10', '192.0.2.1', '100.64.1.1', 'fd00::1', 'fe80::1', '::1', '::ffff:10.0.0.7', 'localhost'])(
    'never looks up reserved %s: it is private',
    async (ip) => {
      for (const geo of [await resolverFor(NESTED), await resolverFor(FLAT)]) expect(geo.lookup(ip)).toBe(PRIVATE_LOCATION);
    },
  );

  it('answers unknown for public addresses the database does not know, and for non-addresses', async () => {
    const geo = await resolverFor(NESTED);
    for (const ip of ['9.9.9.9', '2a00:1450::1', '', 'garbage', 'db.example.com']) expect(geo.lookup(ip)).toBe(UNKNOWN_LOCATION);
  });
});

describe('openGeoIp failures and reloads', () => {
  it('rejects a configured file that is missing or not an MMDB', async () => {
    await expect(openGeoIp({ database: join(dir, 'absent.mmdb') }, recordingLogger())).rejects.toThrow(/ENOENT/);
    const junk = join(dir, 'junk.mmdb');
    await writeFile(junk, 'not a database at all');
    await expect(openGeoIp({ database: junk }, recordingLogger())).rejects.toThrow();
  });

  it('keeps the loaded database when the new file is broken, and logs why', async () => {
    const path = join(dir, 'geo.mmdb');
    await writeMmdb(path, FLAT, { databaseType: 'A' });
    const log = recordingLogger();
    const geo = await openGeoIp({ database: path }, log);
    open.push(geo);
    const good = buildMmdb([{ network: '8.8.8.0/24', data: { country_code: 'DE' } }], { databaseType: 'B' });

    await writeFile(path, good.subarray(0, good.length - 20)); // cut inside the metadata
    expect(await geo.reload()).toBe(false);
    expect(geo.lookup('8.8.8.8').country).toBe('US');
    expect(log.lines.at(-1)).toMatchObject({ level: 'warn', obj: { database: path } });

    await writeFile(path, good);
    expect(await geo.reload()).toBe(true);
    expect(geo.lookup('8.8.8.8').country).toBe('DE');
    expect(log.lines.at(-1)).toMatchObject({ level: 'info', obj: { database: path, type: 'B' }, msg: 'geoip database loaded' });
  });

  it('remembers each address it located until the database changes', async () => {
    const path = join(dir, 'remembered.mmdb');
    await writeMmdb(path, FLAT, { databaseType: 'A' });
    const geo = await openGeoIp({ database: path }, recordingLogger());
    open.push(geo);
    const first = geo.lookup('8.8.8.8');
    expect(geo.lookup('8.8.8.8')).toBe(first);
    await writeMmdb(path, FLAT, { databaseType: 'A' });
    expect(await geo.reload()).toBe(true);
    const after = geo.lookup('8.8.8.8');
    expect(after).not.toBe(first);
    expect(after).toEqual(first);
  });
});
