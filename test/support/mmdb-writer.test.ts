import { Reader } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { buildMmdb, double, uint16, uint64, type MmdbEntry } from './mmdb-writer.js';

const CITY: MmdbEntry = {
  network: '81.2.69.0/24',
  data: {
    country: { iso_code: 'GB', geoname_id: 2635167, names: { en: 'United Kingdom', 'zh-CN': '英国' } },
    location: { latitude: 51.5142, longitude: -0.0931, accuracy_radius: 100 },
    subdivisions: [{ iso_code: 'ENG' }, { iso_code: 'LND' }],
    is_anycast: false,
    is_in_european_union: true,
  },
};

function read(entries: readonly MmdbEntry[], ipVersion?: 4 | 6): Reader<never> {
  return new Reader<never>(buildMmdb(entries, { databaseType: 'Test-City', languages: ['en'], description: { en: 'test' }, ipVersion }));
}

describe('buildMmdb', () => {
  it('writes nested maps, arrays, doubles, unsigned ints and booleans the maxmind reader decodes', () => {
    const reader = read([CITY]);
    expect(reader.get('81.2.69.142')).toEqual(CITY.data);
    expect(reader.get('81.2.69.0')).toEqual(CITY.data);
    expect(reader.get('81.2.69.255')).toEqual(CITY.data);
  });

  it('answers null for addresses outside every network', () => {
    const reader = read([CITY]);
    expect(reader.get('81.2.70.1')).toBeNull();
    expect(reader.get('8.8.8.8')).toBeNull();
    expect(reader.get('2001:db8::1')).toBeNull();
  });

  it('keeps IPv4 networks at ::/96 of an IPv6 tree, next to IPv6 networks', () => {
    const reader = read([CITY, { network: '2001:218::/32', data: { country: { iso_code: 'JP' } } }]);
    expect(reader.metadata.ipVersion).toBe(6);
    expect(reader.get('2001:218:ffff::1')).toEqual({ country: { iso_code: 'JP' } });
    expect(reader.get('::81.2.69.1')).toEqual(CITY.data);
    expect(reader.get('81.2.69.1')).toEqual(CITY.data);
    expect(reader.get('2001:219::1')).toBeNull();
  });

  it('writes IPv4-only databases', () => {
    const reader = read([CITY, { network: '8.8.8.0/24', data: { country_code: 'US' } }], 4);
    expect(reader.metadata.ipVersion).toBe(4);
    expect(reader.metadata.treeDepth).toBe(32);
    expect(reader.get('8.8.8.8')).toEqual({ country_code: 'US' });
    expect(reader.get('81.2.69.3')).toEqual(CITY.data);
    expect(() => read([{ network: '2001:db8::/32', data: {} }], 4)).toThrow(/IPv6 network/);
  });

  it('lets a more specific network override part of a wider one, in any input order', () => {
    const wide = { network: '10.0.0.0/8', data: { country_code: 'AA' } };
    const narrow = { network: '10.1.2.0/24', data: { country_code: 'BB' } };
    for (const entries of [[wide, narrow], [narrow, wide]]) {
      const reader = read(entries);
      expect(reader.get('10.1.2.3')).toEqual({ country_code: 'BB' });
      expect(reader.get('10.1.3.3')).toEqual({ country_code: 'AA' });
      expect(reader.get('10.255.0.1')).toEqual({ country_code: 'AA' });
    }
  });

  it('writes metadata the reader understands', () => {
    const reader = new Reader(buildMmdb([CITY], { databaseType: 'GeoLite2-City', languages: ['en', 'de'], description: { en: 'd' }, buildEpoch: 1_700_000_000 }));
    expect(reader.metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: 'GeoLite2-City',
      languages: ['en', 'de'],
      description: { en: 'd' },
      ipVersion: 6,
      recordSize: 24,
    });
    expect(reader.metadata.buildEpoch.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('encodes long strings, large maps, uint16, uint64, integer-valued doubles and zero', () => {
    const long = 'x'.repeat(70_000);
    const mid = 'y'.repeat(300);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    const reader = read([{ network: '1.0.0.0/24', data: { long, mid, many, big: uint64(2n ** 40n), small: uint16(65_535), whole: double(13), zero: 0 } }]);
    const record = reader.get('1.0.0.1') as unknown as Record<string, unknown>;
    expect(record.long).toBe(long);
    expect(record.mid).toBe(mid);
    expect(record.many).toEqual(many);
    expect(record.big).toBe(2n ** 40n);
    expect(record.small).toBe(65_535);
    expect(record.whole).toBe(13);
    expect(record.zero).toBe(0);
  });

  it('refuses integers that do not fit their type', () => {
    expect(() => buildMmdb([{ network: '1.0.0.0/24', data: { n: uint16(70_000) } }], { databaseType: 't' })).toThrow(/does not fit/);
  });

  it('stores identical records once', () => {
    const same = { country_code: 'SE', note: 'z'.repeat(1_000) };
    const one = buildMmdb([{ network: '1.0.0.0/24', data: same }], { databaseType: 't' });
    const two = buildMmdb([{ network: '1.0.0.0/24', data: same }, { network: '2.0.0.0/24', data: same }], { databaseType: 't' });
    expect(two.length - one.length).toBeLessThan(200);
    expect(new Reader(two).get('2.0.0.9')).toEqual(same);
  });

  it('switches to 28-bit records when data offsets outgrow 24 bits', () => {
    const first = { blob: 'a'.repeat(9_000_000) };
    const second = { blob: 'b'.repeat(9_000_000) };
    const entries = [
      { network: '5.0.0.0/8', data: first },
      { network: '7.0.0.0/8', data: second },
      { network: '6.0.0.0/8', data: { country_code: 'NO' } },
    ];
    const reader = new Reader(buildMmdb(entries, { databaseType: 't' }));
    expect(reader.metadata.recordSize).toBe(28);
    expect(reader.get('6.1.1.1')).toEqual({ country_code: 'NO' });
    expect(reader.get('5.1.1.1')).toEqual(first);
    expect(reader.get('7.1.1.1')).toEqual(second);
  });
});
