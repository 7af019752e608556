import { openGeoIp, type GeoIpResolver } from '../src/geoip/resolver.js';
import type { Enrichment } from '../src/snapshot/enrichment.js';
import { clientVersionsConfigSchema } from '../src/versions/config.js';
import { createClientClassifier } from '../src/versions/classifier.js';

/** What a production scrape adds to the rows: the embedded GeoIP database and a version rule and policy. */
export interface BenchEnrichment {
  readonly enrichment: Enrichment;
  readonly resolver: GeoIpResolver;
}

const silent = { info: () => undefined, warn: () => undefined };

/** The emulated sessions carry `client=ob-jdbc/2.4.3` in CLIENT_INFO (bench/emulated-cluster.ts). */
const CLIENT_VERSIONS = clientVersionsConfigSchema.parse({
  rules: [{ column: 'client_info', pattern: 'client=(?<client>[^/;]+)/(?<version>[^;]+)' }],
  policy: { clients: { 'ob-jdbc': { full: '>=2.4.0', partial: '>=2.0.0 <2.4.0' } } },
});

export async function openBenchEnrichment(): Promise<BenchEnrichment> {
  const resolver = await openGeoIp({}, silent);
  return { resolver, enrichment: { locate: (ip) => resolver.lookup(ip), classify: createClientClassifier(CLIENT_VERSIONS) } };
}
