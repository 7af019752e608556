import type { Logger } from '../logging/logger.js';
import { sessionKey } from '../snapshot/session.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import type { ObservedSession } from './observed-session.js';
import type { HistoryStore } from './store.js';

/**
 * What the history keeps of a session at one scrape. The key is the session tracker's identity
 * rule (snapshot/identity.ts): a session id is unique per observer only and may be reused, so
 * an id that comes back under another tenant or user is another session. The key holds those
 * fields rather than the tracker's first-seen time, which restarts with the process: the store
 * must recognise a session that outlives an exporter restart.
 */
export function observedSessionsOf(snapshot: TargetSnapshot): ObservedSession[] {
  return snapshot.sessions.map((session) => ({
    key: `${sessionKey(session)}|${session.tenant}|${session.user}`,
    tenant: session.tenant,
    db: session.db,
    user: session.user,
    client_ip: session.client_ip,
  }));
}

interface Pending {
  /** The snapshot being written. */
  writing: Promise<void>;
  /** The newest snapshot that arrived meanwhile; older ones in between are skipped. */
  next: TargetSnapshot | null;
}

/**
 * Feeds every new snapshot to the history store (none in the Prometheus-backed mode) and keeps
 * each target's latest snapshot, fresh or stale: the DBSS API needs its tenants and schema ids
 * to answer for windows that ended before the target went down.
 *
 * One write per target at a time: when the disk is slower than scraping, the newest snapshot
 * waits and those before it are dropped, which the store sees as one longer scrape interval.
 */
export class HistoryRecorder {
  private readonly latest = new Map<string, TargetSnapshot>();
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly store: HistoryStore | null,
    private readonly log: Logger,
  ) {}

  observe(snapshot: TargetSnapshot): void {
    this.latest.set(snapshot.target, snapshot);
    if (this.store === null) return;
    const pending = this.pending.get(snapshot.target);
    if (pending === undefined) this.write(this.store, snapshot);
    else pending.next = snapshot;
  }

  latestSnapshot(target: string): TargetSnapshot | undefined {
    return this.latest.get(target);
  }

  /** After a reload: targets no longer configured keep their history but not their snapshot. */
  forgetTargetsExcept(names: ReadonlySet<string>): void {
    for (const target of this.latest.keys()) if (!names.has(target)) this.latest.delete(target);
  }

  /** Waits for the writes under way (and the snapshots waiting behind them), then closes the store. */
  async close(): Promise<void> {
    for (;;) {
      const writes = [...this.pending.values()].map((p) => p.writing);
      if (writes.length === 0) break;
      await Promise.all(writes);
    }
    await this.store?.close();
  }

  private write(store: HistoryStore, snapshot: TargetSnapshot): void {
    const pending: Pending = { writing: Promise.resolve(), next: null };
    this.pending.set(snapshot.target, pending);
    pending.writing = store
      .record(snapshot.target, snapshot.takenAt, observedSessionsOf(snapshot))
      .catch((error: unknown) => {
        this.log.warn({ target: snapshot.target, err: error instanceof Error ? error.message : String(error) }, 'history: scrape not recorded');
      })
      .finally(() => {
        this.pending.delete(snapshot.target);
        if (pending.next !== null) this.write(store, pending.next);
      });
  }
}
