import { UNKNOWN_LOCATION } from '../geoip/record.js';
import type { GeoLocation, Session, SupportStatus } from './session.js';

export interface ClientVersion {
  readonly client: string;
  readonly version: string;
  readonly support: SupportStatus;
}

/** What a snapshot adds to the rows a source read. Both parts are pure lookups. */
export interface Enrichment {
  locate(ip: string): GeoLocation;
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
