import type { GeoLocation } from '../snapshot/session.js';
import { countryInfo } from './countries.js';

/** Reserved addresses: never looked up, never on a map. */
export const PRIVATE_LOCATION: GeoLocation = Object.freeze({
  country: 'private',
  continent: 'private',
  latitude: null,
  longitude: null,
});

/** Public addresses the database does not place in a country (or non-addresses). */
export const UNKNOWN_LOCATION: GeoLocation = Object.freeze({
  country: 'unknown',
  continent: 'unknown',
  latitude: null,
  longitude: null,
});

type Fields = { readonly [key: string]: unknown };

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function field(record: Fields, key: string): Fields {
  const value = record[key];
  return isFields(value) ? value : {};
}

interface Point {
  readonly latitude: number;
  readonly longitude: number;
}

function point(fields: Fields): Point | undefined {
  const { latitude, longitude } = fields;
  return typeof latitude === 'number' && typeof longitude === 'number' ? { latitude, longitude } : undefined;
}

/**
 * Maps an MMDB record of either schema to a location. Flat records (ip-location-db:
 * `country_code`, optional top-level `latitude`/`longitude`) and nested ones (MaxMind GeoIP2 /
 * GeoLite2: `country.iso_code`, `continent.code`, `location.*`, with `registered_country` when
 * the address has no `country`) differ only in where the fields sit; whatever a record lacks
 * comes from the country table.
 */
export function locationFromRecord(record: unknown): GeoLocation {
  if (!isFields(record)) return UNKNOWN_LOCATION;
  const flatCode = text(record.country_code);
  if (flatCode) return located(flatCode, undefined, point(record));
  const ownCode = text(field(record, 'country').iso_code);
  const code = ownCode ?? text(field(record, 'registered_country').iso_code);
  if (!code) return UNKNOWN_LOCATION;
  // The record's continent belongs to `country`; for a registered country the table decides.
  const continent = ownCode ? text(field(record, 'continent').code) : undefined;
  return located(code, continent, point(field(record, 'location')));
}

function located(code: string, continent: string | undefined, at: Point | undefined): GeoLocation {
  const country = code.toUpperCase();
  const info = countryInfo(country);
  const where = at ?? info;
  return {
    country,
    continent: continent ?? info?.continent ?? 'unknown',
    latitude: where?.latitude ?? null,
    longitude: where?.longitude ?? null,
  };
}
