import type { TargetSnapshot } from '../snapshot/snapshot.js';
import type { Labels, Series } from '../views/session-series.js';

const LABELS = ['tenant', 'db', 'user', 'client_ip'] as const;

/**
 * Sessions first seen, per target/tenant/db/user/client_ip, unfolded (clarification 4: history
 * sums them over windows). Every label set present is created at zero, so that Prometheus sees
 * the series before its first increment and `increase()` counts that increment.
 */
export class StartedSessions {
  private readonly byTarget = new Map<string, Map<string, { labels: Labels; value: number }>>();

  add(snapshot: TargetSnapshot): void {
    const counts = this.byTarget.get(snapshot.target) ?? new Map();
    this.byTarget.set(snapshot.target, counts);
    const entry = (s: (typeof snapshot.sessions)[number]) => {
      const labels: Labels = { target: snapshot.target, tenant: s.tenant, db: s.db, user: s.user, client_ip: s.client_ip };
      const key = LABELS.map((name) => labels[name]).join('\u0000');
      let counter = counts.get(key);
      if (!counter) {
        counter = { labels, value: 0 };
        counts.set(key, counter);
      }
      return counter;
    };
    for (const session of snapshot.started) entry(session).value++;
    for (const session of snapshot.sessions) entry(session);
  }

  forgetTargetsExcept(names: ReadonlySet<string>): void {
    for (const target of this.byTarget.keys()) if (!names.has(target)) this.byTarget.delete(target);
  }

  series(): Series[] {
    return [...this.byTarget.values()].flatMap((counts) => [...counts.values()].map((c) => ({ labels: c.labels, value: c.value })));
  }
}
