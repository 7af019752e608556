/**
 * One scrape measurement at 100k sessions over 100 tenants, for profiling:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-scrape.ts
 * Prints the same figures as the scrape line of `npm run bench`.
 */
import { startBenchDatabase } from './bench-database.js';
import { fillCluster } from './emulated-cluster.js';
import { openBenchEnrichment } from './geo-enrichment.js';
import { measureCycle } from './scrape-cycle.js';

const bench = await startBenchDatabase();
const enrichment = await openBenchEnrichment();
try {
  await fillCluster(bench.admin, { sessions: 100_000, tenants: 100, clients: 5_000 });
  const m = await measureCycle(bench.db, enrichment.enrichment, 7);
  console.log(JSON.stringify(m, null, 1));
} finally {
  enrichment.resolver.close();
  await bench.destroy();
}
