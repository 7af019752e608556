import { describe, expect, it } from 'vitest';
import { countryCodes, countryInfo } from './countries.js';

describe('country table', () => {
  it('covers every ISO 3166-1 code plus XK and AN', () => {
    const codes = countryCodes();
    expect(codes).toHaveLength(251);
    expect(codes.every((code) => /^[A-Z]{2}$/.test(code))).toBe(true);
    expect(codes).toEqual(expect.arrayContaining(['XK', 'AN', 'SS', 'CW', 'SX', 'BQ', 'AX', 'UM']));
  });

  it('gives every country a continent and a point on the globe', () => {
    for (const code of countryCodes()) {
      const info = countryInfo(code);
      expect(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']).toContain(info?.continent);
      expect(Math.abs(info?.latitude ?? 99)).toBeLessThanOrEqual(90);
      expect(Math.abs(info?.longitude ?? 999)).toBeLessThanOrEqual(180);
    }
  });

  it.each([
    ['US', { continent: 'NA', latitude: 37.09024, longitude: -95.712891 }],
    ['GB', { continent: 'EU', latitude: 55.378051, longitude: -3.435973 }],
    ['CN', { continent: 'AS', latitude: 35.86166, longitude: 104.195397 }],
    ['BR', { continent: 'SA', latitude: -14.235004, longitude: -51.92528 }],
    ['AU', { continent: 'OC', latitude: -25.274398, longitude: 133.775136 }],
    ['ZA', { continent: 'AF', latitude: -30.559482, longitude: 22.937506 }],
    ['AQ', { continent: 'AN', latitude: -75.250973, longitude: -0.071389 }],
    ['SS', { continent: 'AF', latitude: 7.657782, longitude: 30.385186 }],
  ])('%s matches its source', (code, info) => {
    expect(countryInfo(code)).toEqual(info);
  });

  it('has nothing for codes outside the table', () => {
    expect(countryInfo('ZZ')).toBeUndefined();
    expect(countryInfo('us')).toBeUndefined();
  });
});
