import { openGeoIp, type GeoIpResolver } from '../src/geoip/resolver.js';
import { plainEnrichment, type Enrichment } from '../src/snapshot/enrichment.js';

/** What a production scrape adds to the rows: the embedded GeoIP database and the version rule. */
export interface BenchEnrichment {
  readonly enrichment: Enrichment;
  readonly resolver: GeoIpResolver;
}

const silent = { info: () => undefined, warn: () => undefined };

export async function openBenchEnrichment(): Promise<BenchEnrichment> {
  const resolver = await openGeoIp({}, silent);
  return { resolver, enrichment: { locate: (ip) => resolver.lookup(ip), classify: plainEnrichment.classify } };
}
