import type { SourceRead } from '../sources/source.js';
import type { ClientVersion, Enrichment } from './enrichment.js';
import type { SessionTracker } from './identity.js';
import type { EnrichedSession, GeoLocation, Session } from './session.js';
import type { TargetSnapshot } from './snapshot.js';
import { forEachInSlices } from '../event-loop/time-slices.js';

/**
 * Turns one read into the immutable snapshot every view and adapter reads. Each distinct client
 * address is located once, however many sessions it has. The per-session work runs in time
 * slices, so a scrape of 100k sessions never holds the event loop for long.
 */
export async function buildSnapshot(
  target: string,
  read: SourceRead,
  tracker: SessionTracker,
  enrichment: Enrichment,
  takenAt: number,
): Promise<TargetSnapshot> {
  const locations = new Map<string, GeoLocation>();
  const locate = (ip: string): GeoLocation => {
    let location = locations.get(ip);
    if (!location) {
      location = enrichment.locate(ip);
      locations.set(ip, location);
    }
    return location;
  };
  const sessions: EnrichedSession[] = [];
  const observing = tracker.begin<EnrichedSession>(takenAt);
  await forEachInSlices(read.sessions, (session) => {
    const enrichedSession = Object.freeze(enriched(session, locate(session.client_ip), enrichment.classify(session)));
    sessions.push(enrichedSession);
    observing.see(enrichedSession);
  });
  const { firstSeen, started } = observing.finish();
  return Object.freeze({
    target,
    flavor: read.flavor,
    takenAt,
    tenants: read.tenants,
    databases: read.databases,
    sessions: Object.freeze(sessions),
    firstSeen,
    started,
    locations,
    processPrivilege: read.processPrivilege,
  });
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
