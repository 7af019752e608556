import type { DatabaseInfo } from '../snapshot/snapshot.js';

/** Distinct sessions per schema ("" = none) and client IP, as a history count gives them. */
export interface ClientSessionCount {
  readonly db: string;
  readonly client_ip: string;
  readonly sessions: number;
}

/** Distinct sessions per schema ("" = none) and database account. */
export interface AccountSessionCount {
  readonly db: string;
  readonly user: string;
  readonly sessions: number;
}

/** DBSS ReportClientSessionNew (seed dbss-client-session-distribution.txt). */
export interface DbClientSessionItem {
  readonly db_id: string | null;
  /** The client's address: the seed's example lists client addresses here. */
  readonly db_ip: string;
  readonly db_name: string | null;
  readonly session_num: number;
}

/** DBSS CountDbAccountSession's item: one per schema and account, so no single address. */
export interface DbAccountSessionItem {
  readonly db_id: string | null;
  readonly db_ip: null;
  readonly db_name: string | null;
  readonly db_user: string;
  readonly session_num: number;
}

/** Schema name -> DATABASE_ID as text (DBSS types db_id as String), for one tenant. */
export function schemaIds(databases: readonly DatabaseInfo[], tenant: string): ReadonlyMap<string, string> {
  return new Map(databases.filter((d) => d.tenant === tenant).map((d) => [d.name, String(d.id)]));
}

/**
 * The schemas a request's `db_id` list names. An entry that is the id of one of the tenant's
 * schemas names that schema; any other entry is taken as a schema name, which is how a MySQL
 * target (no ids: its items carry db_id null) or a schema whose id is not readable is chosen.
 */
export function schemasNamed(dbIds: readonly string[], ids: ReadonlyMap<string, string>): string[] {
  const byId = new Map([...ids].map(([name, id]) => [id, name]));
  return [...new Set(dbIds.map((entry) => byId.get(entry) ?? entry))];
}

export function dbClientItems(rows: readonly ClientSessionCount[], ids: ReadonlyMap<string, string>): DbClientSessionItem[] {
  const items = rows.map((row) => ({ ...schemaFields(row.db, ids), db_ip: row.client_ip, session_num: row.sessions }));
  return items.sort((a, b) => byDistributionOrder(a, b, a.db_ip, b.db_ip));
}

export function dbAccountItems(rows: readonly AccountSessionCount[], ids: ReadonlyMap<string, string>): DbAccountSessionItem[] {
  const items = rows.map((row) => ({ ...schemaFields(row.db, ids), db_ip: null, db_user: row.user, session_num: row.sessions }));
  return items.sort((a, b) => byDistributionOrder(a, b, a.db_user, b.db_user));
}

/** Key order as in the seed's table: db_id, db_ip, db_name, (db_user,) session_num. */
function schemaFields(db: string, ids: ReadonlyMap<string, string>): { db_id: string | null; db_ip: null; db_name: string | null } {
  return { db_id: ids.get(db) ?? null, db_ip: null, db_name: db === '' ? null : db };
}

interface Ordered {
  readonly db_name: string | null;
  readonly session_num: number;
}

/**
 * Most sessions first, then by schema (none first) and client or user in code-unit order: the
 * history store's own order, so its already sorted rows cost one linear pass.
 */
function byDistributionOrder(a: Ordered, b: Ordered, dimA: string, dimB: string): number {
  return b.session_num - a.session_num || byCodeUnits(a.db_name ?? '', b.db_name ?? '') || byCodeUnits(dimA, dimB);
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
