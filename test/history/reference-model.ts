import type { GroupBy, HistoryQuery, ObservedSession, SessionCount } from '../../src/history/store.js';

/** One call of HistoryStore.record. */
export interface Scrape {
  readonly target: string;
  readonly at: number;
  readonly alive: readonly ObservedSession[];
}

interface Lifetime {
  readonly session: ObservedSession;
  readonly firstSeen: number;
  lastSeen: number;
  /** Schema at each scrape that saw it, oldest first. */
  readonly dbs: Array<{ at: number; db: string }>;
}

/**
 * The counting rules written the obvious way, over the whole history in memory: a key present
 * in consecutive scrapes of a target is one session; it counts in [from, to] when first seen
 * <= to and last seen >= from, under its schema at its last scrape up to `to`. A window whose
 * start is after its end is empty.
 */
export class ReferenceHistory {
  private readonly lifetimes = new Map<string, Lifetime[]>();

  constructor(private readonly scrapes: readonly Scrape[]) {}

  counts<B extends GroupBy>(query: HistoryQuery<B>): Array<SessionCount<B>> {
    const counts = new Map<string, { db: string; dim: string; sessions: number }>();
    if (query.from > query.to) return [];
    for (const life of this.lifetimesOf(query.target)) {
      if (life.session.tenant !== query.tenant || life.firstSeen > query.to || life.lastSeen < query.from) continue;
      const until = Math.min(query.to, life.lastSeen);
      const db = life.dbs.filter(({ at }) => at <= until).at(-1)?.db ?? '';
      if (query.dbs !== undefined && !query.dbs.includes(db)) continue;
      const dim = query.by === 'client' ? life.session.client_ip : life.session.user;
      const row = counts.get(JSON.stringify([db, dim])) ?? { db, dim, sessions: 0 };
      row.sessions++;
      counts.set(JSON.stringify([db, dim]), row);
    }
    const dimension = query.by === 'client' ? 'client_ip' : 'user';
    return canonical([...counts.values()].map(({ db, dim, sessions }) => ({ db, [dimension]: dim, sessions }) as unknown as SessionCount<B>));
  }

  private lifetimesOf(target: string): Lifetime[] {
    let all = this.lifetimes.get(target);
    if (all === undefined) this.lifetimes.set(target, (all = lifetimes(this.scrapes, target)));
    return all;
  }
}

/** Rows in a fixed order, to compare answers without depending on how ties are sorted. */
export function canonical<T extends object>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

function lifetimes(scrapes: readonly Scrape[], target: string): Lifetime[] {
  const all: Lifetime[] = [];
  let open = new Map<string, Lifetime>();
  for (const { at, alive } of scrapes.filter((scrape) => scrape.target === target)) {
    const next = new Map<string, Lifetime>();
    for (const session of alive) {
      const life = open.get(session.key) ?? { session, firstSeen: at, lastSeen: at, dbs: [] };
      if (!open.has(session.key)) all.push(life);
      life.lastSeen = at;
      life.dbs.push({ at, db: session.db });
      next.set(session.key, life);
    }
    open = next;
  }
  return all;
}
