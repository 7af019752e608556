import type { ReadSummary, SourceRead } from '../sources/source.js';
import type { Enrichment } from './enrichment.js';
import { SessionGrouping } from './grouping.js';
import type { Observing, SessionTracker } from './identity.js';
import type { Session } from './session.js';
import type { TargetSnapshot } from './snapshot.js';
import { forEachInSlices } from '../event-loop/time-slices.js';

/**
 * Builds the immutable snapshot every view and adapter reads, from one read's sessions as they
 * arrive: each is kept as read, identified, and counted into its group, where enrichment lives
 * (see SessionGrouping). Dropped without `finish` (a failed read), it leaves the tracker as it was.
 */
export class SnapshotBuilder {
  private readonly grouping: SessionGrouping;
  private readonly observing: Observing<Session>;

  /** `now` is when the read started: what a session first seen in it is first seen at. */
  constructor(
    private readonly target: string,
    tracker: SessionTracker,
    enrichment: Enrichment,
    now: number,
  ) {
    this.grouping = new SessionGrouping(enrichment);
    this.observing = tracker.begin(now);
  }

  add(session: Session): void {
    this.observing.see(session);
    this.grouping.add(session);
  }

  finish(read: ReadSummary, takenAt: number): TargetSnapshot {
    const { sessions, firstSeen, started } = this.observing.finish();
    return Object.freeze({
      target: this.target,
      flavor: read.flavor,
      takenAt,
      tenants: read.tenants,
      databases: read.databases,
      sessions,
      groups: this.grouping.groups(),
      firstSeen,
      started,
      processPrivilege: read.processPrivilege,
    });
  }
}

/** The snapshot of a read already in memory, built in time slices. */
export async function buildSnapshot(
  target: string,
  read: SourceRead,
  tracker: SessionTracker,
  enrichment: Enrichment,
  takenAt: number,
): Promise<TargetSnapshot> {
  const builder = new SnapshotBuilder(target, tracker, enrichment, takenAt);
  await forEachInSlices(read.sessions, (session) => builder.add(session));
  return builder.finish(read, takenAt);
}
