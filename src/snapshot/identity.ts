import { sessionKey, type Session } from './session.js';

interface Identity {
  readonly firstSeen: number;
  readonly tenant: string;
  readonly user: string;
}

export interface Observation<S extends Session> {
  readonly firstSeen: ReadonlyMap<string, number>;
  /** Sessions not seen in the previous observation; empty for the first one (a baseline). */
  readonly started: readonly S[];
}

/**
 * Follows sessions between snapshots of one target. Ids are unique per observer and may be
 * reused, so an id that comes back under another tenant or user is a new session.
 */
export class SessionTracker {
  private known = new Map<string, Identity>();
  private baselineTaken = false;

  observe<S extends Session>(sessions: readonly S[], now: number): Observation<S> {
    const next = new Map<string, Identity>();
    const firstSeen = new Map<string, number>();
    const started: S[] = [];
    for (const session of sessions) {
      const key = sessionKey(session);
      const previous = this.known.get(key);
      const same = previous !== undefined && previous.tenant === session.tenant && previous.user === session.user;
      const identity = same ? previous : { firstSeen: now, tenant: session.tenant, user: session.user };
      if (!same && this.baselineTaken) started.push(session);
      next.set(key, identity);
      firstSeen.set(key, identity.firstSeen);
    }
    this.known = next;
    this.baselineTaken = true;
    return { firstSeen, started };
  }
}
