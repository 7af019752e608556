import type { ReadSummary, SourceRead } from '../sources/source.js';
import type { ClientVersion, Enrichment } from './enrichment.js';
import type { Observing, SessionTracker } from './identity.js';
import type { EnrichedSession, GeoLocation, Session } from './session.js';
import type { TargetSnapshot } from './snapshot.js';
import { forEachInSlices } from '../event-loop/time-slices.js';

/**
 * Builds the immutable snapshot every view and adapter reads from one read's sessions, enriched
 * and identified as they arrive, so that a session from the database is garbage as soon as its
 * enriched copy exists. Each distinct client address is located once, however many sessions
 * it has. Dropped without `finish` (a failed read), it leaves the tracker as it was.
 */
export class SnapshotBuilder {
  private readonly sessions: EnrichedSession[] = [];
  private readonly locations = new Map<string, GeoLocation>();
  private readonly observing: Observing<EnrichedSession>;

  /** `now` is when the read started: what a session first seen in it is first seen at. */
  constructor(
    private readonly target: string,
    tracker: SessionTracker,
    private readonly enrichment: Enrichment,
    now: number,
  ) {
    this.observing = tracker.begin(now);
  }

  add(session: Session): void {
    const added = Object.freeze(enriched(session, this.locate(session.client_ip), this.enrichment.classify(session)));
    this.sessions.push(added);
    this.observing.see(added);
  }

  finish(read: ReadSummary, takenAt: number): TargetSnapshot {
    const { firstSeen, started } = this.observing.finish();
    return Object.freeze({
      target: this.target,
      flavor: read.flavor,
      takenAt,
      tenants: read.tenants,
      databases: read.databases,
      sessions: Object.freeze(this.sessions),
      firstSeen,
      started,
      locations: this.locations,
      processPrivilege: read.processPrivilege,
    });
  }

  private locate(ip: string): GeoLocation {
    let location = this.locations.get(ip);
    if (!location) {
      location = this.enrichment.locate(ip);
      this.locations.set(ip, location);
    }
    return location;
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

/**
 * Spelled out field by field on purpose: `{ ...session, country, ... }` gives every object its
 * own hidden class in V8 (properties added after a spread do not share transitions), which made
 * building 100k sessions take seconds and every later read of them megamorphic.
 */
function enriched(s: Session, location: GeoLocation, client: ClientVersion): EnrichedSession {
  return {
    id: s.id,
    svr_ip: s.svr_ip,
    svr_port: s.svr_port,
    sql_port: s.sql_port,
    user: s.user,
    db: s.db,
    tenant: s.tenant,
    host: s.host,
    command: s.command,
    time: s.time,
    state: s.state,
    proxy_sess_id: s.proxy_sess_id,
    proxy_ip: s.proxy_ip,
    action: s.action,
    module: s.module,
    client_info: s.client_info,
    level: s.level,
    sample_percentage: s.sample_percentage,
    record_policy: s.record_policy,
    sql_id: s.sql_id,
    total_cpu_time: s.total_cpu_time,
    memory_usage: s.memory_usage,
    client_ip: s.client_ip,
    client_name: s.client_name,
    client_version: s.client_version,
    country: location.country,
    continent: location.continent,
    client: client.client,
    version: client.version,
    support: client.support,
  };
}
