import type { Connection } from 'mysql2/promise';
import type { Session } from '../snapshot/session.js';
import type { DatabaseInfo, Flavor, TenantInfo } from '../snapshot/snapshot.js';

/** What one read of a target says besides its sessions, which it hands over one by one. */
export interface ReadSummary {
  readonly flavor: Flavor;
  readonly tenants: readonly TenantInfo[];
  readonly databases: readonly DatabaseInfo[];
  readonly processPrivilege: boolean | null;
}

/** One read with its sessions in memory, before enrichment. */
export interface SourceRead extends ReadSummary {
  readonly sessions: readonly Session[];
}

/** Takes each session of a read as soon as it is parsed. */
export type SessionSink = (session: Session) => void;

/** Identifies a session whose SQL text an API wants. */
export interface SessionRef {
  readonly id: number;
  readonly svr_ip: string;
  readonly svr_port: number;
}

/** The only way anything reaches a database. */
export interface SessionSource {
  /**
   * Reads the target once, handing every session to `sink` as soon as it is parsed: a read never
   * holds all its rows, so at 100k sessions only what the sink keeps outlives the row.
   */
  read(sink: SessionSink): Promise<ReadSummary>;
  /** SQL text (`info`) of these sessions, capped at 64 KiB each; keyed by sessionKey. */
  readInfo(refs: readonly SessionRef[]): Promise<ReadonlyMap<string, string>>;
  close(): Promise<void>;
}

/** Where the target lives, as the flavor readers need it. */
export interface ReadContext {
  readonly host: string;
  readonly port: number;
  /** Tenants to watch (OceanBase), or the one tenant name (MySQL). */
  readonly tenants: readonly string[] | undefined;
  readonly mysqlTenant: string;
  readonly ownThreadIds: ReadonlySet<number>;
  /**
   * The account the exporter logs in as, without OceanBase's `@tenant#cluster` suffix. Session
   * ids repeat across observers, so an id alone does not make a row one of ours.
   */
  readonly ownUser: string;
}

/** One database flavor: how to set up a connection and read sessions through it. */
export interface FlavorReader {
  readonly flavor: Flavor;
  prepare(connection: Connection, statementTimeoutMs: number, serverVersion: string): Promise<void>;
  read(connection: Connection, context: ReadContext, sink: SessionSink): Promise<ReadSummary>;
  readInfo(connection: Connection, refs: readonly SessionRef[]): Promise<ReadonlyMap<string, string>>;
}

/** INFO can be 256 KiB a row; an API returns at most this much of it (clarification 5). */
export const MAX_INFO_BYTES = 65_536;

const utf8 = new TextEncoder();

/**
 * The longest start of `text` whose UTF-8 form fits in `maxBytes`, never half a character (nor
 * half a surrogate pair). SQL's LEFT/SUBSTR count characters, up to four bytes each, so the
 * servers' cut alone does not bound the bytes.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most texts need no encoding at all.
  if (text.length * 3 <= maxBytes) return text;
  // encodeInto writes whole characters only, and says how many code units it took.
  const { read } = utf8.encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

/**
 * Leads every statement that reads sessions or their SQL text, so a DBA looking at the
 * processlist or a slow log sees whose it is (MySQL connections also carry the connect attribute
 * program_name=db-session-exporter).
 */
export const STATEMENT_TAG = '/* db-session-exporter */';
