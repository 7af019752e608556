import type { Session } from './session.js';

export interface Observation<S extends Session> {
  /** Every session seen, in the order seen. */
  readonly sessions: readonly S[];
  /** When each session, by sessionKey, was first seen. */
  readonly firstSeen: ReadonlyMap<string, number>;
  /** Sessions not seen in the previous observation; empty for the first one (a baseline). */
  readonly started: readonly S[];
}

export interface Observing<S extends Session> {
  see(session: S): void;
  finish(): Observation<S>;
}

/** One observation, in the order its sessions were seen. */
interface Seen {
  readonly sessions: readonly Session[];
  readonly firstSeen: readonly number[];
}

/** Positions by svr_ip, svr_port and id: no key strings to build (ids are beyond small integers). */
type Positions = Map<string, Map<number, Map<number, number>>>;

/** Rows that may have gone from between two neighbours of the previous read while the rest stays aligned. */
const LOOKAHEAD = 4;

const sameSession = (a: Session, b: Session): boolean => a.id === b.id && a.svr_port === b.svr_port && a.svr_ip === b.svr_ip;
const sameIdentity = (a: Session, b: Session): boolean => a.tenant === b.tenant && a.user === b.user;

/**
 * Follows sessions between snapshots of one target. Ids are unique per observer and may be
 * reused, so an id that comes back under another tenant or user is a new session.
 *
 * A view lists its sessions in much the same order from one read to the next, so a session is
 * first looked for just after where the previous session was found: comparing a few fields
 * there costs far less than a lookup in a table of 100k sessions, which misses every cache.
 * Only sessions not found in place (new ones, or rows that moved) are looked up, among the
 * previous sessions that were not found in place either.
 */
export class SessionTracker {
  private previous: Seen = { sessions: [], firstSeen: [] };
  private baselineTaken = false;

  /** Starts an observation at `now`: `see` every current session, then `finish`. */
  begin<S extends Session>(now: number): Observing<S> {
    const previous = this.previous;
    const baseline = !this.baselineTaken;
    const found = new Uint8Array(previous.sessions.length);
    const sessions: S[] = [];
    const firstSeen: number[] = [];
    /** Positions of sessions not found in place, and of sessions first seen now. */
    const displaced: number[] = [];
    const fresh: number[] = [];
    let cursor = 0;
    const carry = (position: number, at: number): void => {
      if (sameIdentity(previous.sessions[at]!, sessions[position]!)) firstSeen[position] = previous.firstSeen[at]!;
      else fresh.push(position);
    };
    return {
      see(session) {
        const position = sessions.length;
        sessions.push(session);
        firstSeen.push(now);
        const at = findNear(previous.sessions, cursor, session);
        if (at < 0) return void displaced.push(position);
        found[at] = 1;
        cursor = at + 1;
        carry(position, at);
      },
      finish: () => {
        const elsewhere = positionsOf(previous.sessions, (i) => found[i] === 0);
        for (const position of displaced) {
          const session = sessions[position]!;
          const at = elsewhere.get(session.svr_ip)?.get(session.svr_port)?.get(session.id);
          if (at === undefined) fresh.push(position);
          else carry(position, at);
        }
        this.previous = { sessions, firstSeen };
        this.baselineTaken = true;
        const started = baseline ? [] : fresh.sort((a, b) => a - b).map((position) => sessions[position]!);
        return { sessions, firstSeen: new FirstSeen({ sessions, firstSeen }), started };
      },
    };
  }
}

function findNear(sessions: readonly Session[], from: number, session: Session): number {
  const end = Math.min(from + LOOKAHEAD + 1, sessions.length);
  for (let i = from; i < end; i++) if (sameSession(sessions[i]!, session)) return i;
  return -1;
}

function positionsOf(sessions: readonly Session[], include: (position: number) => boolean): Positions {
  const positions: Positions = new Map();
  sessions.forEach((session, i) => {
    if (!include(i)) return;
    let byPort = positions.get(session.svr_ip);
    if (!byPort) {
      byPort = new Map();
      positions.set(session.svr_ip, byPort);
    }
    let byId = byPort.get(session.svr_port);
    if (!byId) {
      byId = new Map();
      byPort.set(session.svr_port, byId);
    }
    byId.set(session.id, i);
  });
  return positions;
}

/**
 * One observation seen as a map from sessionKey (`svr_ip|svr_port|id`) to first-seen time. Its
 * index is built on the first lookup: most snapshots are never asked.
 */
class FirstSeen implements ReadonlyMap<string, number> {
  private index: Positions | null = null;

  constructor(private readonly seen: Seen) {}

  get size(): number {
    return this.seen.sessions.length;
  }

  get(key: string): number | undefined {
    const idAt = key.lastIndexOf('|');
    const portAt = key.lastIndexOf('|', idAt - 1);
    if (portAt < 0) return undefined;
    this.index ??= positionsOf(this.seen.sessions, () => true);
    const at = this.index
      .get(key.slice(0, portAt))
      ?.get(Number(key.slice(portAt + 1, idAt)))
      ?.get(Number(key.slice(idAt + 1)));
    return at === undefined ? undefined : this.seen.firstSeen[at];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  forEach(visit: (value: number, key: string, map: ReadonlyMap<string, number>) => void): void {
    for (const [key, value] of this.entries()) visit(value, key, this);
  }

  *entries(): Generator<[string, number], undefined> {
    const { sessions, firstSeen } = this.seen;
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i]!;
      yield [`${s.svr_ip}|${s.svr_port}|${s.id}`, firstSeen[i]!];
    }
  }

  *keys(): Generator<string, undefined> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): Generator<number, undefined> {
    yield* this.seen.firstSeen;
  }

  [Symbol.iterator](): Generator<[string, number], undefined> {
    return this.entries();
  }
}
