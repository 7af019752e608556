import { rename, writeFile } from 'node:fs/promises';
import { buildMmdb, type MmdbMap } from '../support/mmdb-writer.js';

function city(country: string, continent: string, latitude: number, longitude: number): MmdbMap {
  return { country: { iso_code: country }, continent: { code: continent }, location: { latitude, longitude } };
}

/** Points of MaxMind's GeoLite2-City-Test rows, and one the swapped database moves GB's network to. */
export const POINTS = {
  GB: { countryCode: 'GB', continentCode: 'EU', latitude: 51.5142, longitude: -0.0931 },
  SE: { countryCode: 'SE', continentCode: 'EU', latitude: 58.4167, longitude: 15.6167 },
  US: { countryCode: 'US', continentCode: 'NA', latitude: 47.2513, longitude: -122.3149 },
  JP: { countryCode: 'JP', continentCode: 'AS', latitude: 35.68536, longitude: 139.75309 },
  FR: { countryCode: 'FR', continentCode: 'EU', latitude: 48.8566, longitude: 2.3522 },
} as const;

type PointName = keyof typeof POINTS;

function entry(network: string, name: PointName) {
  const p = POINTS[name];
  return { network, data: city(p.countryCode, p.continentCode, p.latitude, p.longitude) };
}

/** A GeoLite2-City-shaped database (nested schema); `gbNetwork` decides where 81.2.69.0/24 is. */
export function cityDatabase(gbNetwork: PointName = 'GB'): Buffer {
  return buildMmdb(
    [entry('81.2.69.0/24', gbNetwork), entry('89.160.20.0/24', 'SE'), entry('216.160.83.56/29', 'US'), entry('2001:218::/32', 'JP')],
    { databaseType: 'GeoLite2-City', description: { en: `test database, 81.2.69.0/24 in ${gbNetwork}` } },
  );
}

/** Replaces the file the way geoipupdate does: write beside it, then rename over it. */
export async function replaceDatabase(path: string, content: Buffer): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}
