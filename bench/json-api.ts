import { startExporterProcess } from '../test/support/exporter-process.js';
import type { BenchDatabase } from './bench-database.js';
import { fillCluster, tenantName, type ClusterShape } from './emulated-cluster.js';
import { runWrk, type WrkResult } from './wrk.js';

const INTERVAL_S = 10;

export interface JsonApiResult {
  readonly result: WrkResult;
  /** Sessions matching the filter, of which each request returns a sorted page of 10. */
  readonly matching: number;
  readonly scrapes: number;
}

/**
 * The obshell-compatible list API as a UI uses it: a filtered, sorted page of 10 out of all of a
 * tenant's sessions, from several clients at once, while the exporter keeps scraping.
 */
export async function measureJsonApi(bench: BenchDatabase, shape: ClusterShape, seconds: number): Promise<JsonApiResult> {
  await fillCluster(bench.admin, shape);
  const exporter = await startExporterProcess({
    scrape_interval: `${INTERVAL_S}s`,
    scrape_timeout: `${INTERVAL_S}s`,
    targets: [{ name: 'ob', url: bench.db.url, flavor: 'oceanbase' }],
  });
  try {
    const scrapes = () =>
      exporter.samples().then((s) => s.find((x) => x.name === 'dbsession_last_scrape_timestamp_seconds')?.value ?? 0);
    await exporter.waitFor((samples) => {
      if (!samples.some((s) => s.name === 'dbsession_up' && s.value === 1)) throw new Error('not scraped yet');
    }, 120_000);
    const url = `${exporter.url}/targets/ob/api/v1/tenant/${tenantName(0)}/sessions?db=db3&sort=time%2Cdesc&page=1&size=10`;
    const answer = (await (await fetch(url)).json()) as { data?: { page?: { total_elements?: number }; contents?: unknown[] } };
    const matching = answer.data?.page?.total_elements ?? 0;
    if ((answer.data?.contents?.length ?? 0) !== 10) throw new Error(`the list API did not answer a page of 10: ${JSON.stringify(answer).slice(0, 300)}`);
    const before = await scrapes();
    const result = await runWrk(url, seconds, 4);
    const after = await scrapes();
    return { result, matching, scrapes: Math.round((after - before) / INTERVAL_S) };
  } finally {
    await exporter.stop();
  }
}
