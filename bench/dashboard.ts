/**
 * What client versions and the Appgate dashboard cost at 100k sessions from 2k client addresses
 * and 40 distinct client strings (half from connect attributes, half through an OceanBase
 * CLIENT_INFO rule): building a snapshot with and without the version classifier, and one
 * dashboard answer.
 *   node --import tsx bench/dashboard.ts
 */
import { performance } from 'node:perf_hooks';
import { sessionFixture } from '../test/support/session-fixture.js';
import { openGeoIp } from '../src/geoip/resolver.js';
import { buildSnapshot } from '../src/snapshot/build.js';
import { plainEnrichment, type Enrichment } from '../src/snapshot/enrichment.js';
import { SessionTracker } from '../src/snapshot/identity.js';
import type { TargetSnapshot } from '../src/snapshot/snapshot.js';
import type { SourceRead } from '../src/sources/source.js';
import { createClientClassifier } from '../src/versions/classifier.js';
import { clientVersionsConfigSchema } from '../src/versions/config.js';
import { activeSessionsDashboard } from '../src/views/dashboard.js';

const SESSIONS = 100_000;
const CLIENTS = 2_000;
const ROUNDS = 9;

async function median(run: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? Number.NaN;
}

const config = clientVersionsConfigSchema.parse({
  rules: [{ column: 'client_info', pattern: 'client=(?<client>[\\w-]+)/(?<version>[^;]+)' }],
  policy: { default: { full: '>=2.4.0', partial: '>=2.0.0 <2.4.0' } },
});
const read: SourceRead = {
  flavor: 'oceanbase',
  tenants: [],
  databases: [],
  processPrivilege: null,
  sessions: Array.from({ length: SESSIONS }, (_, i) => {
    const client = i % CLIENTS;
    const attrs = i % 2 === 0;
    return sessionFixture({
      id: i,
      client_ip: `${1 + (client % 200)}.${client >> 3}.${i % 7}.${1 + (i % 250)}`,
      client_name: attrs ? 'Node-MySQL-2' : '',
      client_version: attrs ? `3.${i % 20}.0` : '',
      client_info: attrs ? '' : `app=orders;client=ob-jdbc/2.${i % 20}.1`,
    });
  }),
};

const geo = await openGeoIp({}, { info: () => undefined, warn: () => undefined });
const locate = (ip: string) => geo.lookup(ip);
const build = (enrichment: Enrichment) => buildSnapshot('bench', read, new SessionTracker(), enrichment, 0);
const classified: Enrichment = { locate, classify: createClientClassifier(config) };
const plain = await median(() => build({ locate, classify: plainEnrichment.classify }));
const withVersions = await median(() => build(classified));
const snapshot: TargetSnapshot = await build(classified);
geo.close();
const answer = await median(() => activeSessionsDashboard([snapshot], undefined));
const dashboard = activeSessionsDashboard([snapshot], undefined);

console.log(`${SESSIONS} sessions, ${CLIENTS} client addresses, ${dashboard.geoIpData.length} map points, answer ${JSON.stringify(dashboard).length} bytes`);
console.log(`snapshot build, client as announced: ${plain.toFixed(1)} ms`);
console.log(`snapshot build, rule + policy classifier: ${withVersions.toFixed(1)} ms`);
console.log(`dashboard answer: ${answer.toFixed(1)} ms`);
