/**
 * GeoIP cost of one scrape: 100k sessions from 5k distinct client addresses, located one by one
 * versus once per distinct address (the per-snapshot cache, issue 8 item 6).
 *   node --import tsx bench/geoip.ts [path/to/GeoLite2-City.mmdb]
 * Without an argument the embedded country database is used.
 */
import { performance } from 'node:perf_hooks';
import { classifyAddress } from '../src/geoip/reserved.js';
import { lookupAll, openGeoIp } from '../src/geoip/resolver.js';

const SESSIONS = 100_000;
const DISTINCT = 5_000;
const ROUNDS = 7;

// Deterministic (mulberry32) so every run measures the same addresses.
let seed = 0x9e3779b9;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}

const byte = (): number => Math.floor(random() * 256);
const group = (): string => Math.floor(random() * 0x10000).toString(16);

/** Public addresses only, one in five IPv6 (inside 2000::/3, like real clients). */
function publicAddresses(count: number): string[] {
  const found = new Set<string>();
  while (found.size < count) {
    const ip =
      random() < 0.8
        ? `${byte()}.${byte()}.${byte()}.${byte()}`
        : `${(0x2000 + Math.floor(random() * 0x2000)).toString(16)}:${group()}:${group()}::${group()}`;
    if (classifyAddress(ip).kind === 'public') found.add(ip);
  }
  return [...found];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(run: () => void): number {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const silent = { info: () => undefined, warn: () => undefined };
const geo = await openGeoIp({ database: process.argv[2] }, silent);
const distinct = publicAddresses(DISTINCT);
const sessions = Array.from({ length: SESSIONS }, (_, i) => distinct[i % DISTINCT] ?? '');

let sink = 0;
const uncached = time(() => {
  for (const ip of sessions) sink += geo.lookup(ip).country.length;
});
const cached = time(() => {
  const located = lookupAll(geo, sessions);
  for (const ip of sessions) sink += located.get(ip)?.country.length ?? 0;
});
geo.close();

const row = (label: string, ms: number, lookups: number): string =>
  `${label.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms  ${String(lookups).padStart(7)} lookups  ${((ms * 1e6) / SESSIONS).toFixed(0).padStart(6)} ns/session`;

console.log(`database: ${geo.path}`);
console.log(`${SESSIONS} sessions, ${DISTINCT} distinct public addresses, median of ${ROUNDS} rounds`);
console.log(row('every session looked up', uncached, SESSIONS));
console.log(row('per-snapshot cache (lookupAll)', cached, DISTINCT));
console.log(`speed-up: ${(uncached / cached).toFixed(1)}x  (checksum ${sink})`);
