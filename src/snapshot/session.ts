/**
 * One database session, normalised across flavors. Field names and meanings are those of
 * obshell's TenantSession (seed `obshell-tenant-session-list.txt`) so the obshell views can
 * return them unchanged, except `info`: SQL text can be 256 KiB a row, so it never enters the
 * snapshot and is fetched only for the rows an API returns.
 */
export interface Session {
  readonly id: number;
  readonly svr_ip: string;
  readonly svr_port: number;
  readonly sql_port: number;
  readonly user: string;
  /** Schema in use; "" when none (OceanBase reports NULL or the string "NULL"). */
  readonly db: string;
  readonly tenant: string;
  /** obshell's `host`: the real client IP, or the full `ip:port` of a direct connection. */
  readonly host: string;
  readonly command: string;
  /** Seconds in the current state (fractional on OceanBase 4.3+). */
  readonly time: number;
  /** Upper case: ACTIVE, SLEEP, INIT, QUERY_KILLED, SESSION_KILLED, ... */
  readonly state: string;
  readonly proxy_sess_id: number;
  /** The ODP/obproxy address when the session came through one, else "". */
  readonly proxy_ip: string;
  readonly action: string;
  readonly module: string;
  readonly client_info: string;
  readonly level: number;
  readonly sample_percentage: number;
  readonly record_policy: string;
  readonly sql_id: string;
  /** Microseconds (clarification 5: integer). */
  readonly total_cpu_time: number;
  /** Bytes. */
  readonly memory_usage: number;
  /** The real client address without port (IPv6 without brackets), or "localhost" for sockets. */
  readonly client_ip: string;
  /** Driver name as the client announced it (MySQL connect attributes), "" when unknown. */
  readonly client_name: string;
  /** Driver version as the client announced it, "" when unknown. */
  readonly client_version: string;
}

/** Support of a client version under the configured policy; "unknown" is never alerted on. */
export type SupportStatus = 'full' | 'partial' | 'none' | 'unknown';

/** Where a client address is: an ISO country, or "private" (reserved ranges) or "unknown". */
export interface GeoLocation {
  readonly country: string;
  readonly continent: string;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

/** What a client version rule and the support policy made of a session's client. */
export interface ClientVersion {
  /** Client name after the version rule ("unknown" when none). */
  readonly client: string;
  /** Client version after the version rule ("unknown" when none). */
  readonly version: string;
  readonly support: SupportStatus;
}

/**
 * The sessions of one snapshot that share every label a gauge or the dashboard shows: tenant,
 * schema, user, state and client, with the client's location and version. Enrichment is a
 * property of the client, not of each session, so it is worked out and kept once per group, and
 * every count is summed over groups (a few per client address) instead of over sessions.
 */
export interface SessionGroup {
  readonly tenant: string;
  readonly db: string;
  readonly user: string;
  /** As read (upper case); gauges bound it to the known states. */
  readonly state: string;
  readonly client_ip: string;
  readonly location: GeoLocation;
  readonly client: ClientVersion;
  /** How many sessions share these labels; at least 1. */
  readonly sessions: number;
  /** Longest TIME among them. */
  readonly maxTime: number;
}

/** What identifies one session between snapshots: session ids are unique per observer only. */
export function sessionKey(s: Pick<Session, 'svr_ip' | 'svr_port' | 'id'>): string {
  return `${s.svr_ip}|${s.svr_port}|${s.id}`;
}

export const ACTIVE = 'ACTIVE';
export const SLEEP = 'SLEEP';
