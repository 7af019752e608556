import { describe, expect, it } from 'vitest';
import { locationFromRecord, UNKNOWN_LOCATION } from './record.js';

const US_CENTROID = { latitude: 37.09024, longitude: -95.712891 };

describe('locationFromRecord: flat schema (ip-location-db)', () => {
  it('takes continent and centroid from the country table', () => {
    expect(locationFromRecord({ country_code: 'US' })).toEqual({ country: 'US', continent: 'NA', ...US_CENTROID });
  });

  it('prefers coordinates the record carries', () => {
    expect(locationFromRecord({ country_code: 'us', latitude: 40.7, longitude: -74 })).toEqual({
      country: 'US',
      continent: 'NA',
      latitude: 40.7,
      longitude: -74,
    });
  });

  it('keeps a code the table does not know, without a continent or a point', () => {
    expect(locationFromRecord({ country_code: 'ZZ' })).toEqual({ country: 'ZZ', continent: 'unknown', latitude: null, longitude: null });
  });
});

describe('locationFromRecord: nested schema (MaxMind GeoIP2/GeoLite2)', () => {
  it('reads country, continent and location', () => {
    const city = {
      continent: { code: 'EU' },
      country: { iso_code: 'GB' },
      registered_country: { iso_code: 'US' },
      location: { latitude: 51.5142, longitude: -0.0931, accuracy_radius: 100 },
    };
    expect(locationFromRecord(city)).toEqual({ country: 'GB', continent: 'EU', latitude: 51.5142, longitude: -0.0931 });
  });

  it('uses the country centroid when a Country database has no location', () => {
    expect(locationFromRecord({ continent: { code: 'NA' }, country: { iso_code: 'US' } })).toEqual({
      country: 'US',
      continent: 'NA',
      ...US_CENTROID,
    });
  });

  it('falls back to registered_country, with the continent from the table', () => {
    expect(locationFromRecord({ continent: { code: 'EU' }, registered_country: { iso_code: 'JP' } })).toEqual({
      country: 'JP',
      continent: 'AS',
      latitude: 36.204824,
      longitude: 138.252924,
    });
  });

  it('fills a missing continent from the table', () => {
    expect(locationFromRecord({ country: { iso_code: 'SE' }, location: { latitude: 58.4167, longitude: 15.6167 } })).toEqual({
      country: 'SE',
      continent: 'EU',
      latitude: 58.4167,
      longitude: 15.6167,
    });
  });

  it('ignores a half location', () => {
    expect(locationFromRecord({ country: { iso_code: 'US' }, location: { latitude: 1 } })).toMatchObject(US_CENTROID);
  });
});

describe('locationFromRecord: no country', () => {
  it.each([null, undefined, 'US', 7, [], {}, { continent: { code: 'EU' } }, { country: {} }, { country_code: '' }, { country: { iso_code: 3 } }])(
    '%j is unknown',
    (record) => {
      expect(locationFromRecord(record)).toBe(UNKNOWN_LOCATION);
    },
  );
});
