import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { open, type Reader, type Response } from 'maxmind';
import type { GeoLocation } from '../snapshot/session.js';
import type { GeoIpConfig } from './config.js';
import { locationFromRecord, PRIVATE_LOCATION, UNKNOWN_LOCATION } from './record.js';
import { classifyAddress } from './reserved.js';

/** The subset of pino's Logger this module needs. */
export interface GeoIpLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface GeoIpResolver {
  /** The database file in use. */
  readonly path: string;
  /** Where an address is, remembered until the database changes. Never throws and never does I/O. */
  lookup(ip: string): GeoLocation;
  /** Re-reads the file now; false (the loaded database stays) when the new one does not open. */
  reload(): Promise<boolean>;
  /** Stops watching the file. */
  close(): void;
}

export interface OpenGeoIpOptions extends GeoIpConfig {
  /** How often a configured database file is checked for replacement. */
  pollIntervalMs?: number;
}

const EMBEDDED_DATABASE = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb';
const DEFAULT_POLL_INTERVAL_MS = 5_000;
// maxmind's own default: decoded records by data offset, so repeated countries decode once.
const DECODED_RECORD_CACHE = 10_000;
/** Addresses remembered per loaded database; a flood of distinct ones starts the memory over. */
const MAX_REMEMBERED = 100_000;

/** The CC0 IPv4+IPv6 country database shipped as an npm dependency. */
export function embeddedDatabasePath(): string {
  return createRequire(import.meta.url).resolve(EMBEDDED_DATABASE);
}

/**
 * Opens the configured database (or the embedded one). A configured file is watched: when it is
 * replaced, by rename or in place, the new file is opened beside the old one and swapped in only
 * once it reads correctly, so lookups never fail during the swap; a broken file leaves the
 * loaded database in use and logs why. Rejects when the initial file cannot be opened.
 */
export async function openGeoIp(options: OpenGeoIpOptions, log: GeoIpLogger): Promise<GeoIpResolver> {
  const path = options.database ?? embeddedDatabasePath();
  let reader = await openDatabase(path, log);
  // Scrapes see mostly the same clients each time: each is located once per loaded database.
  let remembered = new Map<string, GeoLocation>();
  let reloading: Promise<boolean> = Promise.resolve(true);

  const reload = (): Promise<boolean> => {
    reloading = reloading.then(async () => {
      try {
        const next = await openDatabase(path, log);
        reader = next;
        remembered = new Map();
        return true;
      } catch (error) {
        log.warn({ database: path, err: error }, 'geoip database could not be reloaded; keeping the loaded one');
        return false;
      }
    });
    return reloading;
  };

  const onChange = (current: Stats, previous: Stats): void => {
    if (current.ino === 0) {
      log.warn({ database: path }, 'geoip database file is missing; keeping the loaded one');
      return;
    }
    if (replaced(current, previous)) void reload();
  };
  if (options.database !== undefined) {
    watchFile(path, { interval: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, persistent: false }, onChange);
  }

  return {
    path,
    lookup: (ip) => {
      let location = remembered.get(ip);
      if (location === undefined) {
        location = lookupIn(reader, ip);
        if (remembered.size >= MAX_REMEMBERED) remembered.clear();
        remembered.set(ip, location);
      }
      return location;
    },
    reload,
    close: () => unwatchFile(path, onChange),
  };
}

function replaced(current: Stats, previous: Stats): boolean {
  return current.ino !== previous.ino || current.mtimeMs !== previous.mtimeMs || current.size !== previous.size;
}

async function openDatabase(path: string, log: GeoIpLogger): Promise<Reader<Response>> {
  const reader = await open<Response>(path, { cache: { max: DECODED_RECORD_CACHE } });
  // The metadata parsed; a damaged search tree or data section shows on the first lookups.
  reader.get('1.1.1.1');
  if (reader.metadata.ipVersion === 6) reader.get('2606:4700:4700::1111');
  const { databaseType, ipVersion, buildEpoch } = reader.metadata;
  log.info({ database: path, type: databaseType, ip_version: ipVersion, built: buildEpoch.toISOString() }, 'geoip database loaded');
  return reader;
}

function lookupIn(reader: Reader<Response>, ip: string): GeoLocation {
  const { kind, address } = classifyAddress(ip);
  if (kind === 'unknown') return UNKNOWN_LOCATION;
  if (kind !== 'public' || !address) return PRIVATE_LOCATION;
  // An IPv4-only tree would walk an IPv6 address's first 32 bits to some unrelated country.
  if (address.version === 6 && reader.metadata.ipVersion === 4) return UNKNOWN_LOCATION;
  try {
    return locationFromRecord(reader.get(address.text));
  } catch {
    return UNKNOWN_LOCATION;
  }
}
