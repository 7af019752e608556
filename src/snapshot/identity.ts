import type { Session } from './session.js';

interface Identity {
  readonly firstSeen: number;
  readonly tenant: string;
  readonly user: string;
}

/**
 * Identities by svr_ip, then svr_port, then id. Nested rather than keyed by sessionKey: building
 * 100k key strings per scrape (their ids are beyond the small-integer range, so each one goes
 * through a full number-to-text conversion) cost more than everything else the tracker does.
 */
type Identities = Map<string, Map<number, Map<number, Identity>>>;

export interface Observation<S extends Session> {
  /** When each session, by sessionKey, was first seen. */
  readonly firstSeen: ReadonlyMap<string, number>;
  /** Sessions not seen in the previous observation; empty for the first one (a baseline). */
  readonly started: readonly S[];
}

/**
 * Follows sessions between snapshots of one target. Ids are unique per observer and may be
 * reused, so an id that comes back under another tenant or user is a new session.
 */
export class SessionTracker {
  private known: Identities = new Map();
  private baselineTaken = false;

  /** Starts an observation at `now`: `see` every current session, then `finish`. */
  begin<S extends Session>(now: number): Observing<S> {
    const next: Identities = new Map();
    const started: S[] = [];
    const baseline = !this.baselineTaken;
    const known = this.known;
    return {
      see(session) {
        const previous = known.get(session.svr_ip)?.get(session.svr_port)?.get(session.id);
        const same = previous !== undefined && previous.tenant === session.tenant && previous.user === session.user;
        if (!same && !baseline) started.push(session);
        observerOf(next, session).set(session.id, same ? previous : { firstSeen: now, tenant: session.tenant, user: session.user });
      },
      finish: () => {
        this.known = next;
        this.baselineTaken = true;
        return { firstSeen: new FirstSeen(next), started };
      },
    };
  }
}

export interface Observing<S extends Session> {
  see(session: S): void;
  finish(): Observation<S>;
}

function observerOf(identities: Identities, session: Session): Map<number, Identity> {
  let byPort = identities.get(session.svr_ip);
  if (!byPort) {
    byPort = new Map();
    identities.set(session.svr_ip, byPort);
  }
  let byId = byPort.get(session.svr_port);
  if (!byId) {
    byId = new Map();
    byPort.set(session.svr_port, byId);
  }
  return byId;
}

/** One observation's identities seen as a map from sessionKey (`svr_ip|svr_port|id`) to first-seen time. */
class FirstSeen implements ReadonlyMap<string, number> {
  readonly size: number;

  constructor(private readonly identities: Identities) {
    let size = 0;
    for (const byPort of identities.values()) for (const byId of byPort.values()) size += byId.size;
    this.size = size;
  }

  get(key: string): number | undefined {
    const idAt = key.lastIndexOf('|');
    const portAt = key.lastIndexOf('|', idAt - 1);
    if (portAt < 0) return undefined;
    const port = Number(key.slice(portAt + 1, idAt));
    const id = Number(key.slice(idAt + 1));
    return this.identities.get(key.slice(0, portAt))?.get(port)?.get(id)?.firstSeen;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  forEach(visit: (value: number, key: string, map: ReadonlyMap<string, number>) => void): void {
    for (const [key, value] of this.entries()) visit(value, key, this);
  }

  *entries(): Generator<[string, number], undefined> {
    for (const [ip, byPort] of this.identities) {
      for (const [port, byId] of byPort) {
        for (const [id, identity] of byId) yield [`${ip}|${port}|${id}`, identity.firstSeen];
      }
    }
  }

  *keys(): Generator<string, undefined> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): Generator<number, undefined> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): Generator<[string, number], undefined> {
    return this.entries();
  }
}
