import { sessionKey, type Session } from '../snapshot/session.js';

/** What the history keeps of a session alive at one scrape. */
export interface ObservedSession {
  /**
   * Identity among the sessions alive at one instant on the target: `sessionKey(session)`. The
   * store decides first-seen itself (a key present in two consecutive scrapes is one session),
   * so a key must not embed the exporter's own first-seen time, which restarts with it.
   */
  readonly key: string;
  readonly tenant: string;
  /** Schema in use; "" when none. */
  readonly db: string;
  readonly user: string;
  readonly client_ip: string;
}

export function observedSessions(sessions: readonly Session[]): ObservedSession[] {
  return sessions.map((session) => ({
    key: sessionKey(session),
    tenant: session.tenant,
    db: session.db,
    user: session.user,
    client_ip: session.client_ip,
  }));
}
