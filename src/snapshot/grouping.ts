import type { Enrichment } from './enrichment.js';
import type { ClientVersion, GeoLocation, Session, SessionGroup } from './session.js';

/** Groups of one address compared one by one; past this many, an address keys them by label. */
const SCANNED_GROUPS = 8;

/** A group while its snapshot is being built: counted up as its sessions arrive. */
class OpenGroup implements SessionGroup {
  readonly tenant: string;
  readonly db: string;
  readonly user: string;
  readonly state: string;
  readonly client_ip: string;
  sessions = 1;
  maxTime: number;

  constructor(
    first: Session,
    readonly location: GeoLocation,
    readonly client: ClientVersion,
  ) {
    this.tenant = first.tenant;
    this.db = first.db;
    this.user = first.user;
    this.state = first.state;
    this.client_ip = first.client_ip;
    this.maxTime = first.time;
  }

  count(session: Session): void {
    this.sessions++;
    if (session.time > this.maxTime) this.maxTime = session.time;
  }
}

/** One client address within a snapshot: located once, its groups, and its last classification. */
interface Address {
  readonly location: GeoLocation;
  readonly groups: OpenGroup[];
  /** Groups by labelKey, once the address has more than SCANNED_GROUPS (a proxy or NAT in front of many). */
  byLabels: Map<string, OpenGroup> | null;
  /** A session whose client columns were classified last, and the answer: an address mostly runs one driver. */
  classified: Session | null;
  client: ClientVersion | null;
}

const sameClientColumns = (a: Session, b: Session): boolean =>
  a.client_info === b.client_info &&
  a.client_name === b.client_name &&
  a.client_version === b.client_version &&
  a.module === b.module &&
  a.action === b.action;

const sameClient = (a: ClientVersion, b: ClientVersion): boolean =>
  a === b || (a.client === b.client && a.version === b.version && a.support === b.support);

const sameLabels = (group: OpenGroup, session: Session, client: ClientVersion): boolean =>
  group.tenant === session.tenant &&
  group.db === session.db &&
  group.user === session.user &&
  group.state === session.state &&
  sameClient(group.client, client);

const labelKey = (s: Pick<Session, 'tenant' | 'db' | 'user' | 'state'>, client: ClientVersion): string =>
  `${s.tenant}\u0000${s.db}\u0000${s.user}\u0000${s.state}\u0000${client.client}\u0000${client.version}\u0000${client.support}`;

/**
 * Sorts one snapshot's sessions into SessionGroups as they arrive. A session costs one lookup of
 * its address (its string is pooled, so its hash is known) and a few reference comparisons with
 * that address's groups; each address is located once and each distinct client classified once.
 */
export class SessionGrouping {
  private readonly addresses = new Map<string, Address>();
  private readonly all: OpenGroup[] = [];

  constructor(private readonly enrichment: Enrichment) {}

  add(session: Session): void {
    const address = this.addressOf(session.client_ip);
    const client = this.clientOf(address, session);
    const group = address.byLabels ? address.byLabels.get(labelKey(session, client)) : scan(address.groups, session, client);
    if (group) return group.count(session);
    this.open(address, new OpenGroup(session, address.location, client));
  }

  groups(): readonly SessionGroup[] {
    return this.all;
  }

  private open(address: Address, group: OpenGroup): void {
    this.all.push(group);
    address.groups.push(group);
    if (address.byLabels) address.byLabels.set(labelKey(group, group.client), group);
    else if (address.groups.length > SCANNED_GROUPS) address.byLabels = new Map(address.groups.map((g) => [labelKey(g, g.client), g]));
  }

  private addressOf(ip: string): Address {
    let address = this.addresses.get(ip);
    if (!address) {
      address = { location: this.enrichment.locate(ip), groups: [], byLabels: null, classified: null, client: null };
      this.addresses.set(ip, address);
    }
    return address;
  }

  private clientOf(address: Address, session: Session): ClientVersion {
    if (address.client && address.classified && sameClientColumns(address.classified, session)) return address.client;
    address.classified = session;
    address.client = this.enrichment.classify(session);
    return address.client;
  }
}

function scan(groups: readonly OpenGroup[], session: Session, client: ClientVersion): OpenGroup | undefined {
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (sameLabels(group, session, client)) return group;
  }
  return undefined;
}
