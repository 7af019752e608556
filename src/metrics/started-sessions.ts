import { forEachInSlices } from '../event-loop/time-slices.js';
import type { Session } from '../snapshot/session.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { entryOf, newMap } from '../views/map-entry.js';
import type { Labels, Series } from '../views/session-series.js';

interface Counter {
  readonly labels: Labels;
  value: number;
}

/** tenant -> db -> user -> client_ip: nested so that finding a session's counter builds no key string. */
type Counters = Map<string, Map<string, Map<string, Map<string, Counter>>>>;

/**
 * Sessions first seen, per target/tenant/db/user/client_ip, unfolded (clarification 4: history
 * sums them over windows). Every label set present is created at zero, so that Prometheus sees
 * the series before its first increment and `increase()` counts that increment.
 */
export class StartedSessions {
  private readonly byTarget = new Map<string, Counters>();
  /** Per target, when its counters began: the takenAt of the baseline snapshot. */
  private readonly baselines = new Map<string, number>();
  /** The series as last listed, until a counter changes or appears: /metrics renders their text once per change. */
  private listed: readonly Series[] | null = null;

  /**
   * Counts the snapshot's new sessions at once, and creates the zero series of every label set
   * present, one per session group, in time slices.
   */
  async add(snapshot: TargetSnapshot): Promise<void> {
    let counters = this.byTarget.get(snapshot.target);
    if (!counters) {
      counters = new Map();
      this.byTarget.set(snapshot.target, counters);
      this.baselines.set(snapshot.target, snapshot.takenAt);
    }
    if (snapshot.started.length > 0) this.listed = null;
    for (const session of snapshot.started) this.counterOf(counters, snapshot.target, session).value++;
    const known = counters;
    await forEachInSlices(snapshot.groups, (group) => void this.counterOf(known, snapshot.target, group));
  }

  forgetTargetsExcept(names: ReadonlySet<string>): void {
    for (const target of this.byTarget.keys()) {
      if (names.has(target)) continue;
      this.byTarget.delete(target);
      this.baselines.delete(target);
      this.listed = null;
    }
  }

  /**
   * Per target, the baseline's time in seconds. The Prometheus-backed history reads it to tell
   * one run of the counters from the next: a new value means they started again from zero.
   */
  baselineSeries(): Series[] {
    return [...this.baselines].map(([target, takenAt]) => ({ labels: { target }, value: takenAt / 1000 }));
  }

  /** Every counter, the same array until one changes. */
  series(): readonly Series[] {
    this.listed ??= this.list();
    return this.listed;
  }

  private list(): Series[] {
    const series: Series[] = [];
    for (const byTenant of this.byTarget.values()) {
      for (const byDb of byTenant.values()) {
        for (const byUser of byDb.values()) {
          for (const byClient of byUser.values()) {
            for (const counter of byClient.values()) series.push({ labels: counter.labels, value: counter.value });
          }
        }
      }
    }
    return series;
  }

  private counterOf(counters: Counters, target: string, s: Pick<Session, 'tenant' | 'db' | 'user' | 'client_ip'>): Counter {
    const byDb = entryOf(counters, s.tenant, newMap<string, Map<string, Map<string, Counter>>>);
    const byClient = entryOf(entryOf(byDb, s.db, newMap<string, Map<string, Counter>>), s.user, newMap<string, Counter>);
    return entryOf(byClient, s.client_ip, () => {
      this.listed = null;
      return { labels: { target, tenant: s.tenant, db: s.db, user: s.user, client_ip: s.client_ip }, value: 0 };
    });
  }
}
