import { startExporterProcess } from '../test/support/exporter-process.js';
import type { BenchDatabase } from './bench-database.js';
import { fillCluster, tenantName, type ClusterShape } from './emulated-cluster.js';
import { runWrk, type WrkResult } from './wrk.js';

const INTERVAL_S = 5;
const CLIENTS = 4;

export interface JsonApiResult {
  /** One client, as a UI is; then several at once, for throughput. */
  readonly single: WrkResult;
  readonly concurrent: WrkResult;
  readonly clients: number;
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
    const single = await runWrk(url, seconds, 1);
    const concurrent = await runWrk(url, seconds, CLIENTS);
    const after = await scrapes();
    return { single, concurrent, clients: CLIENTS, matching, scrapes: Math.round((after - before) / INTERVAL_S) };
  } finally {
    await exporter.stop();
  }
}
