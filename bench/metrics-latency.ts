import { startExporterProcess } from '../test/support/exporter-process.js';
import { parseSamples } from '../test/support/prometheus-text.js';
import type { BenchDatabase } from './bench-database.js';
import { median } from './results.js';
import { startMysqldExporter } from './mysqld-exporter.js';
import { runWrk, type WrkResult } from './wrk.js';

export interface LatencyComparison {
  readonly ours: WrkResult;
  readonly theirs: WrkResult;
  /** Sessions each exporter saw, to show they measured the same thing. */
  readonly oursSessions: number;
  readonly theirsSessions: number;
}

function medianResult(results: readonly WrkResult[]): WrkResult {
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    errors: results.map((r) => r.errors).filter((e) => e !== '').join('; '),
  };
}

async function sessionsReported(url: string, metric: string): Promise<number> {
  const samples = parseSamples(await (await fetch(`${url}/metrics`)).text());
  return samples.filter((s) => s.name === metric).reduce((sum, s) => sum + s.value, 0);
}

/**
 * /metrics of this exporter and of Debian's mysqld_exporter (processlist collector only) on the
 * same server, account and client sessions, one after the other in alternating rounds, with wrk
 * as a single client as Prometheus is. mysqld_exporter queries the server on every request;
 * this exporter serves its last scrape.
 */
export async function compareMetricsLatency(bench: BenchDatabase, seconds: number, rounds: number): Promise<LatencyComparison> {
  const { monitor } = bench;
  const ours = await startExporterProcess({
    targets: [{ name: 'mariadb', url: `mysql://${monitor.user}@${monitor.host}:${monitor.port}`, password: monitor.password, flavor: 'mysql' }],
  });
  try {
    await ours.waitFor((samples) => {
      if (!samples.some((s) => s.name === 'dbsession_up' && s.value === 1)) throw new Error('not scraped yet');
    });
    const theirs = await startMysqldExporter(monitor);
    try {
      const oursResults: WrkResult[] = [];
      const theirsResults: WrkResult[] = [];
      for (let round = 0; round < rounds; round++) {
        oursResults.push(await runWrk(`${ours.url}/metrics`, seconds, 1));
        theirsResults.push(await runWrk(`${theirs.url}/metrics`, seconds, 1));
      }
      return {
        ours: medianResult(oursResults),
        theirs: medianResult(theirsResults),
        oursSessions: await sessionsReported(ours.url, 'dbsession_tenant_sessions'),
        theirsSessions: await sessionsReported(theirs.url, 'mysql_info_schema_processlist_threads'),
      };
    } finally {
      await theirs.stop();
    }
  } finally {
    await ours.stop();
  }
}
