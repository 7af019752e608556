import type { Connection } from 'mysql2/promise';

/**
 * OceanBase's views emulated as MariaDB tables, with the column names and types of
 * shared/reference/oceanbase-processlist.md, so the oceanbase source runs its real SQL.
 */
const PROCESSLIST_DDL = `CREATE TABLE oceanbase.\`GV$OB_PROCESSLIST\` (
  SVR_IP varchar(46) NOT NULL, SVR_PORT bigint NOT NULL, SQL_PORT bigint NOT NULL, ID bigint NOT NULL,
  USER char(193) NOT NULL, HOST varchar(128) NOT NULL, DB varchar(128), TENANT varchar(128) NOT NULL,
  COMMAND varchar(4096) NOT NULL, TIME decimal(38,6) NOT NULL, TOTAL_TIME decimal(38,6), STATE varchar(128),
  INFO longtext, PROXY_SESSID bigint, MASTER_SESSID bigint, USER_CLIENT_IP varchar(46), USER_HOST varchar(128),
  RETRY_CNT bigint, RETRY_INFO bigint, SQL_ID varchar(32), TRANS_ID bigint, THREAD_ID bigint,
  SSL_CIPHER varchar(4096), TRACE_ID varchar(64), TRANS_STATE varchar(32), ACTION varchar(64), MODULE varchar(64),
  CLIENT_INFO varchar(64), LEVEL bigint, SAMPLE_PERCENTAGE bigint, RECORD_POLICY varchar(32), LB_VID bigint,
  LB_VIP varchar(46), LB_VPORT bigint, IN_BYTES bigint, OUT_BYTES bigint, USER_CLIENT_PORT bigint,
  PROXY_USER varchar(128), SERVICE_NAME varchar(64), TOTAL_CPU_TIME double, TOP_INFO longtext, MEMORY_USAGE bigint
) DEFAULT CHARSET=utf8mb4`;

const TENANTS_DDL = `CREATE TABLE oceanbase.DBA_OB_TENANTS (
  TENANT_ID bigint NOT NULL, TENANT_NAME varchar(128) NOT NULL, TENANT_TYPE varchar(4) NOT NULL,
  CREATE_TIME timestamp NULL, MODIFY_TIME timestamp NULL, PRIMARY_ZONE varchar(128), LOCALITY varchar(4096),
  COMPATIBILITY_MODE varchar(6), STATUS varchar(64), IN_RECYCLEBIN varchar(3), LOCKED varchar(3)
) DEFAULT CHARSET=utf8mb4`;

const DATABASES_DDL = `CREATE TABLE oceanbase.DBA_OB_DATABASES (
  TENANT_ID bigint NOT NULL, DATABASE_ID bigint NOT NULL, DATABASE_NAME varchar(128) NOT NULL
) DEFAULT CHARSET=utf8mb4`;

const SYS_VARIABLES_DDL = `CREATE TABLE oceanbase.CDB_OB_SYS_VARIABLES (
  TENANT_ID bigint NOT NULL, NAME varchar(128) NOT NULL, VALUE text
) DEFAULT CHARSET=utf8mb4`;

export interface ObTenantRow {
  TENANT_ID: number;
  TENANT_NAME: string;
  TENANT_TYPE: 'SYS' | 'META' | 'USER';
  LOCKED?: 'YES' | 'NO';
}

export type ObSessionRow = Record<string, string | number | null>;

/** A session row with every required column; override what a test is about. */
export function obSession(overrides: ObSessionRow): ObSessionRow {
  return {
    SVR_IP: '10.10.10.1',
    SVR_PORT: 2882,
    SQL_PORT: 2881,
    ID: 3221500000,
    USER: 'root',
    HOST: '10.10.10.100:50000',
    DB: 'test',
    TENANT: 't1',
    COMMAND: 'Sleep',
    TIME: 1.5,
    STATE: 'SLEEP',
    INFO: null,
    PROXY_SESSID: 0,
    USER_CLIENT_IP: '10.10.10.100',
    ACTION: '',
    MODULE: '',
    CLIENT_INFO: '',
    LEVEL: 1,
    SAMPLE_PERCENTAGE: 10,
    RECORD_POLICY: 'SAMPLE_AND_SLOW_QUERY',
    SQL_ID: '',
    TOTAL_CPU_TIME: 0,
    MEMORY_USAGE: 1024,
    ...overrides,
  };
}

export const OB_TENANTS: readonly ObTenantRow[] = [
  { TENANT_ID: 1, TENANT_NAME: 'sys', TENANT_TYPE: 'SYS' },
  { TENANT_ID: 1001, TENANT_NAME: 'META$1002', TENANT_TYPE: 'META' },
  { TENANT_ID: 1002, TENANT_NAME: 't1', TENANT_TYPE: 'USER' },
  { TENANT_ID: 1003, TENANT_NAME: 'META$1004', TENANT_TYPE: 'META' },
  { TENANT_ID: 1004, TENANT_NAME: 't2', TENANT_TYPE: 'USER' },
  { TENANT_ID: 1006, TENANT_NAME: 'idle', TENANT_TYPE: 'USER' },
];

/**
 * Realistic rows: two observers, direct and proxied clients, IPv4 and IPv6, NULL and "NULL"
 * schemas, sleeping and active sessions, a META tenant's session that must be left out.
 */
export const OB_SESSIONS: readonly ObSessionRow[] = [
  obSession({ ID: 3221588508, COMMAND: 'Query', STATE: 'ACTIVE', TIME: 12.005242, HOST: '10.10.10.100:26236', USER_CLIENT_IP: '10.10.10.100', INFO: 'SELECT * FROM users', SQL_ID: 'C82D7414C2E9706348979FC0CE2199E9', TOTAL_CPU_TIME: 0.001, MEMORY_USAGE: 1024000 }),
  obSession({ ID: 3221588509, USER: 'app', DB: 'shop', HOST: '10.0.0.9:2883', PROXY_SESSID: 7230001, USER_CLIENT_IP: '198.51.100.20', MODULE: 'orders', ACTION: 'checkout', CLIENT_INFO: 'app=orders;client=ob-jdbc/2.4.3' }),
  obSession({ ID: 3221588510, USER: 'app', DB: 'shop', HOST: '10.0.0.9:2883', PROXY_SESSID: 7230002, USER_CLIENT_IP: '198.51.100.20', COMMAND: 'Query', STATE: 'ACTIVE', TIME: 3.25 }),
  obSession({ ID: 3221588511, USER: 'report', DB: null, HOST: '2001:db8::7:40000', USER_CLIENT_IP: '2001:db8::7' }),
  obSession({ ID: 3221588512, SVR_IP: '10.10.10.2', USER: 'admin', DB: 'NULL', HOST: '10.10.10.101:41000', USER_CLIENT_IP: '10.10.10.101', MEMORY_USAGE: null, STATE: null }),
  obSession({ ID: 3221588508, SVR_IP: '10.10.10.2', TENANT: 't2', USER: 'batch', DB: 'dw', COMMAND: 'Query', STATE: 'ACTIVE', TIME: 3600.5, HOST: '10.10.10.101:41001', USER_CLIENT_IP: '10.10.10.101' }),
  obSession({ ID: 3221588600, TENANT: 't2', USER: 'batch', DB: 'dw', HOST: '10.10.10.101:41002', USER_CLIENT_IP: '10.10.10.101' }),
  obSession({ ID: 3221500001, TENANT: 'META$1002', USER: 'root', DB: 'oceanbase', HOST: '10.10.10.1:2882', USER_CLIENT_IP: '10.10.10.1' }),
];

export async function createOceanBaseSchema(connection: Connection): Promise<void> {
  await connection.query('DROP DATABASE IF EXISTS oceanbase');
  await connection.query('CREATE DATABASE oceanbase');
  for (const ddl of [PROCESSLIST_DDL, TENANTS_DDL, DATABASES_DDL, SYS_VARIABLES_DDL]) await connection.query(ddl);
}

export async function setTenants(connection: Connection, tenants: readonly ObTenantRow[]): Promise<void> {
  await connection.query('DELETE FROM oceanbase.DBA_OB_TENANTS');
  for (const t of tenants) {
    await connection.query(
      "INSERT INTO oceanbase.DBA_OB_TENANTS (TENANT_ID, TENANT_NAME, TENANT_TYPE, STATUS, LOCKED) VALUES (?, ?, ?, 'NORMAL', ?)",
      [t.TENANT_ID, t.TENANT_NAME, t.TENANT_TYPE, t.LOCKED ?? 'NO'],
    );
  }
}

/** Replaces every session row; columns are those of the first row. */
export async function setSessions(connection: Connection, rows: readonly ObSessionRow[]): Promise<void> {
  await connection.query('DELETE FROM oceanbase.`GV$OB_PROCESSLIST`');
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first);
  const batch = 1000;
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    await connection.query(`INSERT INTO oceanbase.\`GV$OB_PROCESSLIST\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [
      chunk.map((row) => columns.map((c) => row[c] ?? null)),
    ]);
  }
}

/** The default emulated cluster: tenants, sessions, schema ids and one readable connection limit. */
export async function seedOceanBase(connection: Connection): Promise<void> {
  await createOceanBaseSchema(connection);
  await setTenants(connection, OB_TENANTS);
  await setSessions(connection, OB_SESSIONS);
  await connection.query(
    "INSERT INTO oceanbase.DBA_OB_DATABASES VALUES (1002, 500001, 'test'), (1002, 500002, 'shop'), (1004, 500101, 'dw')",
  );
  await connection.query("INSERT INTO oceanbase.CDB_OB_SYS_VARIABLES VALUES (1002, 'max_connections', '100')");
}
