import type { Connection, FieldPacket, RowDataPacket } from 'mysql2/promise';
import type { Session } from '../snapshot/session.js';
import { ACTIVE, SLEEP, sessionKey } from '../snapshot/session.js';
import type { DatabaseInfo, TenantInfo } from '../snapshot/snapshot.js';
import { hostAddress } from './host-address.js';
import { limitStatementTime } from './statement-timeout.js';
import { numberOrNull } from './row-values.js';
import type { CellReader } from './row-cells.js';
import { forEachRow } from './row-stream.js';
import { StringPool } from './string-pool.js';
import { MAX_INFO_BYTES, STATEMENT_TAG, truncateUtf8, type FlavorReader, type ReadContext, type SessionRef, type ReadSummary } from './source.js';

const PROCESSLIST = 'oceanbase.`GV$OB_PROCESSLIST`';

/** Columns every OceanBase 4.x has; without them the view is not what we think it is. */
const REQUIRED_COLUMNS = ['SVR_IP', 'SVR_PORT', 'ID', 'USER', 'HOST', 'DB', 'TENANT', 'COMMAND', 'TIME', 'STATE'] as const;
/** Columns that differ between versions: read when present, defaulted when not. Never INFO. */
const OPTIONAL_COLUMNS = [
  'SQL_PORT',
  'PROXY_SESSID',
  'USER_CLIENT_IP',
  'ACTION',
  'MODULE',
  'CLIENT_INFO',
  'LEVEL',
  'SAMPLE_PERCENTAGE',
  'RECORD_POLICY',
  'SQL_ID',
  'TOTAL_CPU_TIME',
  'MEMORY_USAGE',
] as const;
const NUMERIC_OPTIONAL_COLUMNS: ReadonlySet<string> = new Set([
  'SQL_PORT',
  'PROXY_SESSID',
  'LEVEL',
  'SAMPLE_PERCENTAGE',
  'TOTAL_CPU_TIME',
  'MEMORY_USAGE',
]);
const COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS] as const;

interface ViewShape {
  /** Every column in COLUMNS order, a constant standing in for those this version lacks. */
  readonly select: string;
  /** TOTAL_CPU_TIME is integer microseconds on some builds and a double in seconds on newer ones. */
  readonly cpuTimeInSeconds: boolean;
}

// mysql2 column type codes of DECIMAL, FLOAT, DOUBLE, NEWDECIMAL.
const FRACTIONAL_TYPES = new Set([0, 4, 5, 246]);

/** Discovered once per connection: the server does not change its columns under an open session. */
const shapes = new WeakMap<Connection, ViewShape>();

/** OceanBase (MySQL mode) seen from the sys tenant: every tenant's sessions. */
export const oceanbaseReader: FlavorReader = {
  flavor: 'oceanbase',

  async prepare(connection, statementTimeoutMs) {
    await limitStatementTime(connection, statementTimeoutMs, ['ob_query_timeout']);
  },

  async read(connection, context, sink): Promise<ReadSummary> {
    const shape = await viewShape(connection);
    const tenants = await readTenants(connection, context.tenants);
    const watched = new Set(tenants.map((t) => t.name));
    const pools = poolsFor(connection);
    await forEachRow(connection, `${STATEMENT_TAG} SELECT ${shape.select} FROM ${PROCESSLIST}`, (cells) => readSession(cells, shape, pools, watched, context), sink);
    return { flavor: 'oceanbase', tenants, databases: await schemaIds(connection, tenants), processPrivilege: null };
  },

  async readInfo(connection, refs) {
    if (refs.length === 0) return new Map();
    const where = refs.map(() => '(ID = ? AND SVR_IP = ? AND SVR_PORT = ?)').join(' OR ');
    // SUBSTR counts characters (each at least a byte): it bounds what the server sends, and the
    // exact cut, in bytes, is made here.
    const [rows] = await connection.query<RowDataPacket[]>(
      `${STATEMENT_TAG} SELECT ID, SVR_IP, SVR_PORT, SUBSTR(INFO, 1, ?) AS INFO FROM ${PROCESSLIST} WHERE ${where}`,
      [MAX_INFO_BYTES, ...refs.flatMap((ref) => [ref.id, ref.svr_ip, ref.svr_port])],
    );
    const info = new Map<string, string>(refs.map((ref) => [sessionKey(ref), '']));
    for (const row of rows) {
      const key = sessionKey({ id: Number(row.ID), svr_ip: String(row.SVR_IP), svr_port: Number(row.SVR_PORT) });
      info.set(key, truncateUtf8(String(row.INFO ?? ''), MAX_INFO_BYTES));
    }
    return info;
  },
};

/** One of the exporter's own connections: its id, its account, and not through a proxy. */
function isOwnSession(id: number, user: string, proxySessId: number, context: ReadContext): boolean {
  return context.ownThreadIds.has(id) && user === context.ownUser && proxySessId === 0;
}

async function viewShape(connection: Connection): Promise<ViewShape> {
  const known = shapes.get(connection);
  if (known) return known;
  const [, fields] = await connection.query<RowDataPacket[]>(`SELECT * FROM ${PROCESSLIST} LIMIT 0`);
  const byName = new Map<string, FieldPacket>(fields.map((f) => [f.name.toUpperCase(), f]));
  const missing = REQUIRED_COLUMNS.filter((c) => !byName.has(c));
  if (missing.length > 0) throw new Error(`${PROCESSLIST} lacks column(s) ${missing.join(', ')}`);
  const cpuType = byName.get('TOTAL_CPU_TIME')?.columnType;
  const shape: ViewShape = {
    select: COLUMNS.map((c) => (byName.has(c) ? `\`${c}\`` : `${NUMERIC_OPTIONAL_COLUMNS.has(c) ? '0' : "''"} AS \`${c}\``)).join(', '),
    cpuTimeInSeconds: cpuType !== undefined && FRACTIONAL_TYPES.has(cpuType),
  };
  shapes.set(connection, shape);
  return shape;
}

async function readTenants(connection: Connection, configured: readonly string[] | undefined): Promise<TenantInfo[]> {
  const [rows] = await connection.query<RowDataPacket[]>(
    "SELECT TENANT_ID, TENANT_NAME, LOCKED FROM oceanbase.DBA_OB_TENANTS WHERE TENANT_TYPE <> 'META' ORDER BY TENANT_NAME",
  );
  const limits = await readConnectionLimits(connection);
  const wanted = configured ? new Set(configured) : null;
  return rows
    .filter((row) => wanted === null || wanted.has(String(row.TENANT_NAME)))
    .map((row) => ({
      name: String(row.TENANT_NAME),
      id: Number(row.TENANT_ID),
      connectionLimit: limits.get(Number(row.TENANT_ID)) ?? null,
      locked: String(row.LOCKED ?? 'NO').toUpperCase() === 'YES',
    }));
}

/** Per-tenant max_connections where the account may read it; unknown limits stay unknown. */
async function readConnectionLimits(connection: Connection): Promise<ReadonlyMap<number, number>> {
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      "SELECT TENANT_ID, VALUE FROM oceanbase.CDB_OB_SYS_VARIABLES WHERE NAME = 'max_connections'",
    );
    return new Map(
      rows.flatMap((row) => {
        const limit = numberOrNull(row.VALUE);
        return limit === null ? [] : [[Number(row.TENANT_ID), limit] as const];
      }),
    );
  } catch {
    return new Map();
  }
}

/**
 * Schema ids change only with DDL, and only DBSS answers use them: read at most once a minute
 * per connection, and again at once when the tenants change (20 rows a tenant, 20k with 1000
 * tenants, are not worth reading at every scrape).
 */
const SCHEMA_IDS_TTL_MS = 60_000;
const knownSchemaIds = new WeakMap<Connection, { readonly tenants: string; readonly at: number; readonly databases: DatabaseInfo[] }>();

async function schemaIds(connection: Connection, tenants: readonly TenantInfo[]): Promise<DatabaseInfo[]> {
  const key = tenants.map((t) => `${t.id}:${t.name}`).join(',');
  const known = knownSchemaIds.get(connection);
  if (known && known.tenants === key && Date.now() - known.at < SCHEMA_IDS_TTL_MS) return known.databases;
  const databases = await readDatabases(connection, tenants);
  if (databases === null) return [];
  knownSchemaIds.set(connection, { tenants: key, at: Date.now(), databases });
  return databases;
}

/** DATABASE_ID per schema, for DBSS's db_id; null when the view cannot be read (ids then stay null). */
async function readDatabases(connection: Connection, tenants: readonly TenantInfo[]): Promise<DatabaseInfo[] | null> {
  const names = new Map(tenants.map((t) => [t.id, t.name]));
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT TENANT_ID, DATABASE_ID, DATABASE_NAME FROM oceanbase.DBA_OB_DATABASES',
    );
    return rows.flatMap((row) => {
      const tenant = names.get(Number(row.TENANT_ID));
      return tenant === undefined ? [] : [{ tenant, name: String(row.DATABASE_NAME), id: Number(row.DATABASE_ID) }];
    });
  } catch {
    return null;
  }
}

/**
 * Distinct values the pools of a connection may hold together before they start over: values that
 * never repeat (SQL ids, or client info carrying a request id) must not accumulate.
 */
const MAX_POOLED = 100_000;

/**
 * Pools are kept per connection from one read to the next: a scrape finds most of its values
 * where the previous one left them, never decoding them again.
 */
const pools = new WeakMap<Connection, Pools>();

function poolsFor(connection: Connection): Pools {
  let kept = pools.get(connection);
  if (!kept || Object.values(kept).reduce((total, pool) => total + pool.size, 0) > MAX_POOLED) {
    kept = newPools();
    pools.set(connection, kept);
  }
  return kept;
}

/** The text columns a session keeps, each pooled on its own (see StringPool), normalised once per value. */
function newPools() {
  const pool = () => new StringPool();
  return {
    SVR_IP: pool(),
    USER: new StringPool((user) => user.trim()),
    // OceanBase reports a session without a schema as NULL or as the string "NULL".
    DB: new StringPool((db) => (db === 'NULL' ? '' : db)),
    TENANT: pool(),
    COMMAND: pool(),
    STATE: new StringPool((state) => state.toUpperCase()),
    /** Client addresses, and proxies' addresses: a proxy is a client to the observer. */
    ADDRESS: pool(),
    ACTION: pool(),
    MODULE: pool(),
    CLIENT_INFO: pool(),
    RECORD_POLICY: pool(),
    SQL_ID: pool(),
  };
}
type Pools = ReturnType<typeof newPools>;

/**
 * One row, cell by cell in the order of COLUMNS, as a session of a watched tenant; undefined for
 * other tenants and for the exporter's own sessions.
 */
function readSession(cells: CellReader, shape: ViewShape, pools: Pools, watched: ReadonlySet<string>, context: ReadContext): Session | undefined {
  const svrIp = cells.pooled(pools.SVR_IP);
  const svrPort = Math.trunc(cells.number());
  const id = Math.trunc(cells.number());
  const user = cells.pooled(pools.USER);
  const host = cells.text();
  const db = cells.pooled(pools.DB);
  const tenant = cells.pooled(pools.TENANT);
  if (!watched.has(tenant)) return undefined;
  const command = cells.pooled(pools.COMMAND);
  const time = cells.number();
  const state = cells.pooled(pools.STATE) || (command === 'Sleep' ? SLEEP : ACTIVE);
  const sqlPort = Math.trunc(cells.number());
  const proxySessId = Math.trunc(cells.number());
  if (isOwnSession(id, user, proxySessId, context)) return undefined;
  const userClientIp = cells.pooled(pools.ADDRESS);
  const hostIp = userClientIp !== '' && isAddressWithPort(host, userClientIp) ? userClientIp : pools.ADDRESS.intern(hostAddress(host));
  const clientIp = userClientIp || hostIp;
  const action = cells.pooled(pools.ACTION);
  const module = cells.pooled(pools.MODULE);
  const clientInfo = cells.pooled(pools.CLIENT_INFO);
  const level = Math.trunc(cells.number());
  const samplePercentage = Math.trunc(cells.number());
  const recordPolicy = cells.pooled(pools.RECORD_POLICY);
  const sqlId = cells.pooled(pools.SQL_ID);
  const cpu = cells.number();
  const memoryUsage = Math.trunc(cells.number());
  return {
    id,
    svr_ip: svrIp,
    svr_port: svrPort,
    sql_port: sqlPort,
    user,
    db,
    tenant,
    // obshell shows the full ip:port for a direct client and only the address behind a proxy.
    host: proxySessId === 0 && hostIp === clientIp ? host : clientIp,
    command,
    time,
    state,
    proxy_sess_id: proxySessId,
    proxy_ip: proxySessId !== 0 ? hostIp : '',
    action,
    module,
    client_info: clientInfo,
    level,
    sample_percentage: samplePercentage,
    record_policy: recordPolicy,
    sql_id: sqlId,
    total_cpu_time: Math.round(shape.cpuTimeInSeconds ? cpu * 1e6 : cpu),
    memory_usage: memoryUsage,
    client_ip: clientIp,
    client_name: '',
    client_version: '',
  };
}

/**
 * Whether HOST is `address:port` with an IPv4 address: a direct client, whose address needs no
 * parsing (IPv6 forms, IPv4-mapped ones among them, go through hostAddress).
 */
function isAddressWithPort(host: string, address: string): boolean {
  if (address.includes(':') || host.length <= address.length + 1 || host.charCodeAt(address.length) !== COLON || !host.startsWith(address)) return false;
  for (let i = address.length + 1; i < host.length; i++) {
    const code = host.charCodeAt(i);
    if (code < DIGIT_0 || code > DIGIT_9) return false;
  }
  return true;
}

const COLON = 0x3a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
