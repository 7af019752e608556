import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { CountTree } from './count-tree.js';
import type { Series } from './session-series.js';

const SEPARATOR = '\u0000';
const cache = new WeakMap<TargetSnapshot, readonly Series[]>();

/**
 * Sessions open at the snapshot per target, tenant, db, user and client_ip, unfolded: the
 * Prometheus-backed history counts the sessions alive at a window's start from it, so it must
 * carry exactly the labels of dbsession_sessions_started_total (clarification 4). Computed once
 * per snapshot, however many collections read it.
 */
export function openSessionSeries(snapshot: TargetSnapshot): readonly Series[] {
  let series = cache.get(snapshot);
  if (series === undefined) {
    const tree = new CountTree();
    for (const g of snapshot.groups) tree.add(g.tenant, g.sessions).add(g.db, g.sessions).add(g.user, g.sessions).add(g.client_ip, g.sessions);
    series = [...tree.sumBy(4, (path) => path.join(SEPARATOR))].map(([key, value]) => {
      const [tenant = '', db = '', user = '', client_ip = ''] = key.split(SEPARATOR);
      return { labels: { target: snapshot.target, tenant, db, user, client_ip }, value };
    });
    cache.set(snapshot, series);
  }
  return series;
}
