import { UNKNOWN_LOCATION } from '../geoip/record.js';
import type { ClientVersion, GeoLocation, Session } from './session.js';

/** What a snapshot adds to the rows a source read. Both parts are pure lookups. */
export interface Enrichment {
  locate(ip: string): GeoLocation;
  /**
   * A pure function of the session's client columns (client_name, client_version, module,
   * action, client_info): sessions alike in those are classified once.
   */
  classify(session: Session): ClientVersion;
}

/** No GeoIP and no version policy (benchmarks of the rest): the client as announced, support unknown. */
export const plainEnrichment: Enrichment = {
  locate: () => UNKNOWN_LOCATION,
  classify: (session) => ({
    client: session.client_name || 'unknown',
    version: session.client_version || 'unknown',
    support: 'unknown',
  }),
};
