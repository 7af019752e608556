import { ACTIVE, type Session } from '../snapshot/session.js';
import { compare } from './obshell-sessions.js';

/** Sessions of one db, user or client address. */
export interface GroupCount {
  readonly name: string;
  readonly total: number;
  readonly active: number;
}

/** obshell's TenantSessionStats (seed `obshell-tenant-session-stats.txt`), before naming. */
export interface SessionStats {
  readonly total: number;
  readonly active: number;
  /** Longest TIME among ACTIVE sessions, 0 when none (obshell counts sleeping ones too). */
  readonly maxActiveTime: number;
  readonly byDb: readonly GroupCount[];
  readonly byUser: readonly GroupCount[];
  /** By the real client address: behind ODP, obshell would count the proxy. */
  readonly byClient: readonly GroupCount[];
}

export function sessionStats(sessions: readonly Session[]): SessionStats {
  let active = 0;
  let maxActiveTime = 0;
  for (const s of sessions) {
    if (s.state !== ACTIVE) continue;
    active++;
    if (s.time > maxActiveTime) maxActiveTime = s.time;
  }
  return {
    total: sessions.length,
    active,
    maxActiveTime,
    byDb: groupCounts(sessions, (s) => s.db),
    byUser: groupCounts(sessions, (s) => s.user),
    byClient: groupCounts(sessions, (s) => s.client_ip),
  };
}

/** Most sessions first, then by name, so that the arrays are the same for the same sessions. */
function groupCounts(sessions: readonly Session[], nameOf: (s: Session) => string): GroupCount[] {
  const groups = new Map<string, { total: number; active: number }>();
  for (const s of sessions) {
    const name = nameOf(s);
    const group = groups.get(name) ?? { total: 0, active: 0 };
    group.total++;
    if (s.state === ACTIVE) group.active++;
    groups.set(name, group);
  }
  return [...groups]
    .map(([name, { total, active }]) => ({ name, total, active }))
    .sort((a, b) => b.total - a.total || compare(a.name, b.name));
}
