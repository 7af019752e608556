/**
 * GeoIP cost of one scrape: 5k distinct client addresses (a 100k-session snapshot locates each
 * once, issue 8 item 6), on a freshly loaded database and on one that already located them at
 * the previous scrape.
 *   node --import tsx bench/geoip.ts [path/to/GeoLite2-City.mmdb]
 * Without an argument the embedded country database is used.
 */
import { performance } from 'node:perf_hooks';
import { classifyAddress } from '../src/geoip/reserved.js';
import { openGeoIp, type GeoIpResolver } from '../src/geoip/resolver.js';

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

async function time(prepare: () => Promise<GeoIpResolver>, run: (geo: GeoIpResolver) => void): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const geo = await prepare();
    const start = performance.now();
    run(geo);
    samples.push(performance.now() - start);
    geo.close();
  }
  return median(samples);
}

const silent = { info: () => undefined, warn: () => undefined };
const database = process.argv[2];
const distinct = publicAddresses(DISTINCT);
let sink = 0;
const locateAll = (geo: GeoIpResolver) => {
  for (const ip of distinct) sink += geo.lookup(ip).country.length;
};
const fresh = () => openGeoIp({ database }, silent);
const cold = await time(fresh, locateAll);
const warm = await time(async () => {
  const geo = await fresh();
  locateAll(geo);
  return geo;
}, locateAll);

const row = (label: string, ms: number): string =>
  `${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${((ms * 1e6) / DISTINCT).toFixed(0).padStart(6)} ns/address`;

console.log(`${DISTINCT} distinct public addresses (one scrape of ${SESSIONS} sessions), median of ${ROUNDS} rounds`);
console.log(row('freshly loaded database', cold));
console.log(row('remembered from the previous scrape', warm));
console.log(`checksum ${sink}`);
