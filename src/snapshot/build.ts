import type { SourceRead } from '../sources/source.js';
import type { Enrichment } from './enrichment.js';
import type { SessionTracker } from './identity.js';
import type { EnrichedSession, GeoLocation } from './session.js';
import type { TargetSnapshot } from './snapshot.js';

/**
 * Turns one read into the immutable snapshot every view and adapter reads. Each distinct client
 * address is located once, however many sessions it has.
 */
export function buildSnapshot(
  target: string,
  read: SourceRead,
  tracker: SessionTracker,
  enrichment: Enrichment,
  takenAt: number,
): TargetSnapshot {
  const locations = new Map<string, GeoLocation>();
  const locate = (ip: string): GeoLocation => {
    let location = locations.get(ip);
    if (!location) {
      location = enrichment.locate(ip);
      locations.set(ip, location);
    }
    return location;
  };
  const sessions: EnrichedSession[] = read.sessions.map((session) => {
    const location = locate(session.client_ip);
    return Object.freeze({ ...session, country: location.country, continent: location.continent, ...enrichment.classify(session) });
  });
  const { firstSeen, started } = tracker.observe(sessions, takenAt);
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
