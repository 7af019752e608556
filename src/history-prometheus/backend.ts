import type { GroupBy, HistoryQuery, HistoryStore, SessionCount } from '../history/store.js';
import type { Logger } from '../logging/logger.js';
import { PrometheusClient, type VectorElement } from './client.js';
import type { PrometheusHistoryConfig } from './config.js';
import { baselineSamples, findEpochs } from './epochs.js';
import { chainEpochs, linkTerms, type Dimension, type Link, type ResolvedLink } from './plan.js';

/** Every query one DBSS request makes must be answered within this time. */
const DEADLINE_MS = 10_000;

/**
 * The history answered from a Prometheus-compatible store, from what exporters publish:
 * dbsession_sessions_started_total, dbsession_open_sessions and
 * dbsession_history_baseline_timestamp_seconds (docs/history.md, "Prometheus-backed mode", has the arithmetic
 * and its error bounds). Rows come in no particular order.
 */
export class PrometheusHistory implements Pick<HistoryStore, 'query'> {
  constructor(
    private readonly config: Pick<PrometheusHistoryConfig, 'url' | 'headers'>,
    private readonly log: Logger,
  ) {}

  async query<B extends GroupBy>(query: HistoryQuery<B>): Promise<Array<SessionCount<B>>> {
    const began = performance.now();
    const signal = AbortSignal.timeout(DEADLINE_MS);
    // One client per request, so that its call count is this request's.
    const client = new PrometheusClient(this.config.url, this.config.headers);
    const by: Dimension = query.by === 'client' ? 'client_ip' : 'user';
    const epochs = await findEpochs(client, query.target, query.from, query.to, signal);
    const links = await Promise.all(chainEpochs(epochs, query.from).map((link) => resolve(client, link, signal)));
    const terms = links.flatMap((link) => linkTerms(link, query.tenant, by));
    const results = await Promise.all(terms.map(async (term) => ({ term, vector: await client.vector(term.expr, query.to, signal) })));
    this.log.debug(
      { target: query.target, tenant: query.tenant, runs: epochs.length, queries: client.calls, ms: Math.round(performance.now() - began) },
      'history: window counted from Prometheus',
    );
    const counts = new Map<string, { db: string; dim: string; sessions: number }>();
    for (const { term, vector } of results) for (const element of vector) add(counts, element, by, term.sign);
    const dbs = query.dbs === undefined ? null : new Set(query.dbs);
    const rows = [...counts.values()].filter((row) => row.sessions > 0 && (dbs === null || dbs.has(row.db)));
    // The conditional row type cannot follow `by` through a runtime branch.
    return rows.map(({ db, dim, sessions }) =>
      query.by === 'client' ? { db, client_ip: dim, sessions } : { db, user: dim, sessions },
    ) as Array<SessionCount<B>>;
  }

}

/** Looks up the sample a covering or switch link starts from: the run's last one by `resolve`. */
async function resolve(client: PrometheusClient, link: Link, signal: AbortSignal): Promise<ResolvedLink> {
  if (link.kind === 'gap') return link;
  const { epoch } = link;
  const sample = await baselineSamples(client, epoch.source, signal).latest(link.resolve, epoch.first - 1);
  return { ...link, at: sample?.t ?? epoch.first };
}

function add(counts: Map<string, { db: string; dim: string; sessions: number }>, element: VectorElement, by: Dimension, sign: 1 | -1): void {
  // An empty label is no label in Prometheus: no schema comes back without `db`.
  const db = element.labels['db'] ?? '';
  const dim = element.labels[by] ?? '';
  const key = JSON.stringify([db, dim]);
  const row = counts.get(key) ?? { db, dim, sessions: 0 };
  row.sessions += sign * element.sample.value;
  counts.set(key, row);
}
