import { readFile } from 'node:fs/promises';
import { Reader } from 'maxmind';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryInfo } from '../../src/geoip/countries.js';
import { openGeoIp, type GeoIpResolver } from '../../src/geoip/resolver.js';
import { recordingLogger } from './recording-logger.js';

// The CC0 database from npm (@ip-location-db/geo-whois-asn-country-mmdb): works with no download.
let geo: GeoIpResolver;
const log = recordingLogger();

beforeAll(async () => {
  geo = await openGeoIp({}, log);
});

afterAll(() => geo.close());

describe('embedded default database', () => {
  it('is the combined IPv4+IPv6 file of the npm package', () => {
    expect(geo.path).toMatch(/@ip-location-db[\\/]geo-whois-asn-country-mmdb[\\/]geo-whois-asn-country\.mmdb$/);
    expect(log.lines[0]).toMatchObject({ level: 'info', msg: 'geoip database loaded', obj: { ip_version: 6 } });
  });

  // Addresses of registries and root servers, stable in whois data.
  it.each([
    ['8.8.8.8', 'US', 'NA'],
    ['1.1.1.1', 'AU', 'OC'],
    ['193.0.6.139', 'NL', 'EU'],
    ['202.12.27.33', 'JP', 'AS'],
    ['200.160.0.8', 'BR', 'SA'],
    ['2001:4860:4860::8888', 'US', 'NA'],
    ['2001:67c:2e8:22::c100:68b', 'NL', 'EU'],
    ['::ffff:8.8.8.8', 'US', 'NA'],
  ])('resolves %s to %s/%s at the country centroid', (ip, country, continent) => {
    const info = countryInfo(country);
    expect(geo.lookup(ip)).toEqual({ country, continent, latitude: info?.latitude, longitude: info?.longitude });
  });

  it('reports private addresses as private although whois data places some of them', () => {
    expect(geo.lookup('192.168.1.1').country).toBe('private');
    expect(geo.lookup('10.0.0.1').country).toBe('private');
  });

  it('has a continent and centroid for every country the database can return', async () => {
    const path = geo.path;
    const codes = everyCountryCode(await readFile(path));
    expect(codes.size).toBeGreaterThan(240);
    expect([...codes].filter((code) => !countryInfo(code))).toEqual([]);
  });
});

/** Walks the whole search tree and looks up one address per distinct data record. */
function everyCountryCode(file: Buffer): Set<string> {
  const reader = new Reader(file);
  const { nodeCount, recordSize } = reader.metadata;
  expect(recordSize).toBe(24);
  const path = new Uint8Array(16);
  const seen = new Set<number>();
  const codes = new Set<string>();
  const setBit = (depth: number, bit: number): void => {
    const mask = 0x80 >> (depth & 7);
    path[depth >> 3] = bit ? (path[depth >> 3] ?? 0) | mask : (path[depth >> 3] ?? 0) & ~mask;
  };
  const visit = (node: number, depth: number): void => {
    for (const side of [0, 1]) {
      const value = file.readUIntBE(node * 6 + side * 3, 3);
      setBit(depth, side);
      if (value < nodeCount) visit(value, depth + 1);
      else if (value > nodeCount && !seen.has(value)) {
        seen.add(value);
        const groups = Array.from({ length: 8 }, (_, i) => (((path[2 * i] ?? 0) << 8) | (path[2 * i + 1] ?? 0)).toString(16));
        const record = reader.get(groups.join(':'));
        if (record && 'country_code' in record && typeof record.country_code === 'string') codes.add(record.country_code);
      }
    }
    setBit(depth, 0);
  };
  visit(0, 0);
  return codes;
}
