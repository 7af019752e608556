import type { GroupBy, HistoryQuery, HistoryStore, SessionCount } from '../history/store.js';
import { PrometheusClient, type VectorElement } from './client.js';
import type { PrometheusHistoryConfig } from './config.js';
import { baselineSamples, findEpochs } from './epochs.js';
import { chainEpochs, linkTerms, type Dimension, type Link, type ResolvedLink } from './plan.js';

/** Every query one DBSS request makes must be answered within this time. */
const DEADLINE_MS = 10_000;

/**
 * The history answered from a Prometheus-compatible store, from what exporters publish:
 * dbsession_sessions_started_total, dbsession_open_sessions and
 * dbsession_history_baseline_timestamp_seconds (docs/history-prometheus.md has the arithmetic
 * and its error bounds). Rows come in no particular order.
 */
export class PrometheusHistory implements Pick<HistoryStore, 'query'> {
  private readonly client: PrometheusClient;

  constructor(config: Pick<PrometheusHistoryConfig, 'url' | 'headers'>) {
    this.client = new PrometheusClient(config.url, config.headers);
  }

  async query<B extends GroupBy>(query: HistoryQuery<B>): Promise<Array<SessionCount<B>>> {
    const signal = AbortSignal.timeout(DEADLINE_MS);
    const by: Dimension = query.by === 'client' ? 'client_ip' : 'user';
    const epochs = await findEpochs(this.client, query.target, query.from, query.to, signal);
    const links = await Promise.all(chainEpochs(epochs, query.from).map((link) => this.resolve(link, signal)));
    const terms = links.flatMap((link) => linkTerms(link, query.tenant, by));
    const results = await Promise.all(terms.map(async (term) => ({ term, vector: await this.client.vector(term.expr, query.to, signal) })));
    const counts = new Map<string, { db: string; dim: string; sessions: number }>();
    for (const { term, vector } of results) for (const element of vector) add(counts, element, by, term.sign);
    const dbs = query.dbs === undefined ? null : new Set(query.dbs);
    const rows = [...counts.values()].filter((row) => row.sessions > 0 && (dbs === null || dbs.has(row.db)));
    // The conditional row type cannot follow `by` through a runtime branch.
    return rows.map(({ db, dim, sessions }) =>
      query.by === 'client' ? { db, client_ip: dim, sessions } : { db, user: dim, sessions },
    ) as Array<SessionCount<B>>;
  }

  /** Looks up the sample a covering or switch link starts from: the run's last one by `resolve`. */
  private async resolve(link: Link, signal: AbortSignal): Promise<ResolvedLink> {
    if (link.kind === 'gap') return link;
    const { epoch } = link;
    const sample = await baselineSamples(this.client, epoch.source, signal).latest(link.resolve, epoch.first - 1);
    return { ...link, at: sample?.t ?? epoch.first };
  }
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
