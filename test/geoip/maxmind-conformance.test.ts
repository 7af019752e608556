import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Reader } from 'maxmind';
import { afterAll, describe, expect, it } from 'vitest';
import { countryInfo } from '../../src/geoip/countries.js';
import { openGeoIp, type GeoIpResolver } from '../../src/geoip/resolver.js';
import type { GeoLocation } from '../../src/snapshot/session.js';
import { buildMmdb, type MmdbMap } from '../support/mmdb-writer.js';
import { recordingLogger } from './recording-logger.js';

// MaxMind's own test databases (maxmind/MaxMind-DB test-data, MIT/Apache-2.0), kept outside the
// repository: never copy them in. vitest.config.ts includes this file only when
// GEOIP_FIXTURES_DIR is set (.ci/run always sets it), so a folder that is not there is a failure.
const FIXTURES = process.env.GEOIP_FIXTURES_DIR ?? '';

const CITY_DATABASES = ['GeoLite2-City-Test.mmdb', 'GeoIP2-City-Test.mmdb'];
const COUNTRY_DATABASES = ['GeoLite2-Country-Test.mmdb', 'GeoIP2-Country-Test.mmdb'];

const centroid = (country: string, continent: string): GeoLocation => ({
  country,
  continent,
  latitude: countryInfo(country)?.latitude ?? null,
  longitude: countryInfo(country)?.longitude ?? null,
});

describe('MaxMind test databases', () => {
  it('are where GEOIP_FIXTURES_DIR says', () => {
    expect(existsSync(join(FIXTURES, CITY_DATABASES[0]!)), `GeoIP fixtures not found in ${FIXTURES || '(GEOIP_FIXTURES_DIR unset)'}`).toBe(true);
  });
});

if (existsSync(FIXTURES)) {
  const resolvers = new Map<string, Promise<GeoIpResolver>>();
  const resolverFor = (file: string): Promise<GeoIpResolver> => {
    const opened = resolvers.get(file) ?? openGeoIp({ database: join(FIXTURES, file) }, recordingLogger());
    resolvers.set(file, opened);
    return opened;
  };
  afterAll(async () => {
    for (const opened of resolvers.values()) (await opened).close();
  });

  describe.each(CITY_DATABASES)('%s', (file) => {
    it.each<[string, GeoLocation]>([
      ['81.2.69.142', { country: 'GB', continent: 'EU', latitude: 51.5142, longitude: -0.0931 }],
      ['89.160.20.112', { country: 'SE', continent: 'EU', latitude: 58.4167, longitude: 15.6167 }],
      ['216.160.83.56', { country: 'US', continent: 'NA', latitude: 47.2513, longitude: -122.3149 }],
      ['::ffff:81.2.69.142', { country: 'GB', continent: 'EU', latitude: 51.5142, longitude: -0.0931 }],
    ])('resolves %s with its city coordinates', async (ip, expected) => {
      expect((await resolverFor(file)).lookup(ip)).toEqual(expected);
    });

    it.each([
      ['175.16.199.0', 'CN', 'AS'],
      ['175.16.199.255', 'CN', 'AS'],
      ['2001:218::', 'JP', 'AS'],
      ['2001:218:ffff:ffff::1', 'JP', 'AS'],
    ])('resolves %s to %s/%s with a location', async (ip, country, continent) => {
      const location = (await resolverFor(file)).lookup(ip);
      expect(location).toMatchObject({ country, continent });
      expect(location.latitude).toEqual(expect.any(Number));
      expect(location.longitude).toEqual(expect.any(Number));
    });

    it('answers unknown outside the test networks and private for reserved ranges', async () => {
      const geo = await resolverFor(file);
      expect(geo.lookup('1.1.1.1').country).toBe('unknown');
      expect(geo.lookup('10.0.0.1').country).toBe('private');
    });
  });

  describe.each(COUNTRY_DATABASES)('%s (no locations: country centroids)', (file) => {
    it.each([
      ['81.2.69.142', 'GB', 'EU'],
      ['89.160.20.112', 'SE', 'EU'],
      ['216.160.83.56', 'US', 'NA'],
      ['2001:218::1', 'JP', 'AS'],
    ])('resolves %s to %s/%s', async (ip, country, continent) => {
      expect((await resolverFor(file)).lookup(ip)).toEqual(centroid(country, continent));
    });
  });

  it('GeoLite2-Country-Test has no row for 175.16.199.0/24, GeoIP2-Country-Test places it in CN', async () => {
    expect((await resolverFor('GeoLite2-Country-Test.mmdb')).lookup('175.16.199.1').country).toBe('unknown');
    expect((await resolverFor('GeoIP2-Country-Test.mmdb')).lookup('175.16.199.1')).toEqual(centroid('CN', 'AS'));
  });

  describe('GeoLite2-City-Test.source.json', () => {
    const networks = async (): Promise<[string, MmdbMap][]> => {
      const source = JSON.parse(await readFile(join(FIXTURES, 'GeoLite2-City-Test.source.json'), 'utf8')) as Record<string, MmdbMap>[];
      return source.flatMap((entry) => Object.entries(entry));
    };

    it('every network resolves to the country, continent and location it was built from', async () => {
      const geo = await resolverFor('GeoLite2-City-Test.mmdb');
      const rows = await networks();
      expect(rows.length).toBeGreaterThan(200);
      for (const [network, record] of rows) {
        const first = network.split('/')[0] ?? '';
        const country = field(record, 'country', 'iso_code') ?? field(record, 'registered_country', 'iso_code');
        const location = geo.lookup(first);
        // A few rows carry only a continent and a point: no country means unknown, off the map.
        expect(location.country, network).toBe(country ?? 'unknown');
        if (!country) continue;
        if (field(record, 'country', 'iso_code')) expect(location.continent, network).toBe(field(record, 'continent', 'code'));
        const at = record.location as MmdbMap | undefined;
        if (at?.latitude !== undefined) expect([location.latitude, location.longitude], network).toEqual([at.latitude, at.longitude]);
      }
    });

    it('our MMDB writer, fed the same JSON, answers exactly like MaxMind’s file', async () => {
      const rows = await networks();
      const theirs = new Reader(await readFile(join(FIXTURES, 'GeoLite2-City-Test.mmdb')));
      const ours = new Reader(buildMmdb(rows.map(([network, data]) => ({ network, data })), { databaseType: 'GeoLite2-City' }));
      const probes = [...rows.map(([network]) => network.split('/')[0] ?? ''), '1.1.1.1', '81.2.69.141', '2001:217::1', '::1'];
      for (const ip of probes) expect(ours.get(ip), ip).toEqual(theirs.get(ip));
    });
  });
}

function field(record: MmdbMap, outer: string, inner: string): string | undefined {
  const value = (record[outer] as MmdbMap | undefined)?.[inner];
  return typeof value === 'string' ? value : undefined;
}
