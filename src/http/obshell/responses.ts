import type { Session } from '../../snapshot/session.js';
import type { ObshellSessionField, SessionListQuery, SessionPage } from '../../views/obshell-sessions.js';
import type { GroupCount, SessionStats } from '../../views/obshell-stats.js';
import { JsonUint64 } from './envelope.js';

/** The seeds' data structures, field for field. */

/** The seed's TenantSession: the snapshot's session fields obshell has, plus the SQL text. */
export type TenantSession = Pick<Session, ObshellSessionField> & { readonly info: string };

/** uint64 page numbers are echoed as given, beyond what a double holds. */
export interface CustomPage {
  readonly total_elements: number;
  readonly total_pages: number;
  readonly size: JsonUint64;
  readonly number: JsonUint64;
}

export interface PaginatedTenantSessions {
  readonly page: CustomPage;
  readonly contents: readonly TenantSession[];
}

export interface TenantSessionDbStats {
  readonly db_name: string;
  readonly total_count: number;
  readonly active_count: number;
}

export interface TenantSessionUserStats {
  readonly user_name: string;
  readonly total_count: number;
  readonly active_count: number;
}

export interface TenantSessionClientStats {
  readonly client_ip: string;
  readonly total_count: number;
  readonly active_count: number;
}

export interface TenantSessionStats {
  readonly total_count: number;
  readonly active_count: number;
  readonly max_active_time: number;
  readonly db_stats: readonly TenantSessionDbStats[];
  readonly user_stats: readonly TenantSessionUserStats[];
  readonly client_stats: readonly TenantSessionClientStats[];
}

/** What obshell's clients read from GET /api/v1/info before they authenticate (reference section 5). */
export interface AgentInfo {
  readonly ip: string;
  readonly port: number;
  readonly identity: string;
  readonly version: string;
  /** obshell: whether an agent password is set. */
  readonly security: boolean;
  readonly supportedAuth: readonly string[];
  readonly isObproxyAgent: boolean;
}

export interface AgentSecret {
  readonly ip: string;
  readonly port: number;
  readonly public_key: string;
}

/** obshell's ApiError without the deprecated numeric `code`, which obshell omits when unset. */
export interface ObshellApiError {
  readonly errCode: string;
  readonly message: string;
}

/** Spelled out: JSON keys come out in the seed's order, and the snapshot's other fields stay out. */
export function toTenantSession(s: Session, info: string): TenantSession {
  return {
    id: s.id,
    svr_ip: s.svr_ip,
    svr_port: s.svr_port,
    sql_port: s.sql_port,
    user: s.user,
    db: s.db,
    tenant: s.tenant,
    host: s.host,
    command: s.command,
    time: s.time,
    state: s.state,
    info,
    proxy_sess_id: s.proxy_sess_id,
    proxy_ip: s.proxy_ip,
    action: s.action,
    module: s.module,
    client_info: s.client_info,
    level: s.level,
    sample_percentage: s.sample_percentage,
    record_policy: s.record_policy,
    sql_id: s.sql_id,
    total_cpu_time: s.total_cpu_time,
    memory_usage: s.memory_usage,
  };
}

export function toCustomPage(page: SessionPage, query: Pick<SessionListQuery, 'page' | 'size'>): CustomPage {
  return { total_elements: page.total, total_pages: page.totalPages, size: new JsonUint64(query.size), number: new JsonUint64(query.page) };
}

export function toTenantSessionStats(stats: SessionStats): TenantSessionStats {
  const counts = (g: GroupCount) => ({ total_count: g.total, active_count: g.active });
  return {
    total_count: stats.total,
    active_count: stats.active,
    max_active_time: stats.maxActiveTime,
    db_stats: stats.byDb.map((g) => ({ db_name: g.name, ...counts(g) })),
    user_stats: stats.byUser.map((g) => ({ user_name: g.name, ...counts(g) })),
    client_stats: stats.byClient.map((g) => ({ client_ip: g.name, ...counts(g) })),
  };
}
