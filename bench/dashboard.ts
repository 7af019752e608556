/**
 * Cost of client-version classification per scrape and of one dashboard answer, for 100k
 * sessions from 2k client addresses and 40 distinct client strings (half from connect
 * attributes, half through an OceanBase CLIENT_INFO rule).
 *   node --import tsx bench/dashboard.ts
 */
import { performance } from 'node:perf_hooks';
import { sessionFixture } from '../test/support/session-fixture.js';
import { openGeoIp } from '../src/geoip/resolver.js';
import type { EnrichedSession, GeoLocation } from '../src/snapshot/session.js';
import type { TargetSnapshot } from '../src/snapshot/snapshot.js';
import { createClientClassifier } from '../src/versions/classifier.js';
import { clientVersionsConfigSchema } from '../src/versions/config.js';
import { activeSessionsDashboard } from '../src/views/dashboard.js';

const SESSIONS = 100_000;
const CLIENTS = 2_000;
const ROUNDS = 9;

function median(run: () => void): number {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? Number.NaN;
}

const config = clientVersionsConfigSchema.parse({
  rules: [{ column: 'client_info', pattern: 'client=(?<client>[\\w-]+)/(?<version>[^;]+)' }],
  policy: { default: { full: '>=2.4.0', partial: '>=2.0.0 <2.4.0' } },
});
const rows = Array.from({ length: SESSIONS }, (_, i) => {
  const ip = `${1 + (i % CLIENTS) % 200}.${(i % CLIENTS) >> 3}.${i % 7}.${1 + (i % 250)}`;
  const attrs = i % 2 === 0;
  return sessionFixture({
    id: i,
    client_ip: ip,
    client_name: attrs ? 'Node-MySQL-2' : '',
    client_version: attrs ? `3.${i % 20}.0` : '',
    client_info: attrs ? '' : `app=orders;client=ob-jdbc/2.${i % 20}.1`,
  });
});

const geo = await openGeoIp({}, { info: () => undefined, warn: () => undefined });
const locations = new Map<string, GeoLocation>();
for (const row of rows) if (!locations.has(row.client_ip)) locations.set(row.client_ip, geo.lookup(row.client_ip));
geo.close();

let sessions: EnrichedSession[] = [];
const fresh = median(() => {
  const classify = createClientClassifier(config);
  sessions = rows.map((row) => ({ ...row, ...classify(row) }));
});
const classify = createClientClassifier(config);
const warm = median(() => {
  for (const row of rows) classify(row);
});
// Same-shaped objects, as buildSnapshot makes them: spreads give each object its own hidden class.
sessions = JSON.parse(JSON.stringify(sessions)) as EnrichedSession[];
const snapshot: TargetSnapshot = {
  target: 'bench',
  flavor: 'oceanbase',
  takenAt: 0,
  tenants: [],
  databases: [],
  sessions,
  firstSeen: new Map(),
  started: [],
  locations,
  processPrivilege: null,
};
let points = 0;
const answer = median(() => {
  points = activeSessionsDashboard([snapshot], undefined).geoIpData.length;
});
const body = JSON.stringify(activeSessionsDashboard([snapshot], undefined)).length;

console.log(`${SESSIONS} sessions, ${CLIENTS} client addresses, ${points} map points, answer ${body} bytes`);
console.log(`classify, new classifier (includes building the sessions): ${fresh.toFixed(1)} ms`);
console.log(`classify, warm classifier: ${warm.toFixed(1)} ms (${((warm * 1000) / SESSIONS).toFixed(2)} µs/session)`);
console.log(`dashboard view: ${answer.toFixed(1)} ms`);
