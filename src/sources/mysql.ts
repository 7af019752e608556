import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Session } from '../snapshot/session.js';
import { sessionKey, ACTIVE, SLEEP } from '../snapshot/session.js';
import { grantsHoldProcess } from './grants.js';
import { hostAddress } from './host-address.js';
import { limitStatementTime } from './statement-timeout.js';
import { finiteNumber, integer, numberOrNull, text } from './row-values.js';
import { MAX_INFO_BYTES, STATEMENT_TAG, truncateUtf8, type FlavorReader, type ReadContext, type SessionRef, type ReadSummary } from './source.js';

/** Server threads that are not client sessions (clarification 6). */
const SYSTEM_COMMANDS = new Set(['Daemon', 'Binlog Dump', 'Binlog Dump GTID']);
const SYSTEM_USERS = new Set(['system user', 'event_scheduler']);

const PROCESSLIST_SQL = `${STATEMENT_TAG} SELECT ID, USER, HOST, DB, COMMAND, TIME, STATE FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()`;

const LIMITS_SQL = 'SELECT @@max_connections AS max_connections';

const CONNECT_ATTRS_SQL = `SELECT PROCESSLIST_ID AS id, ATTR_NAME AS name, ATTR_VALUE AS value
  FROM performance_schema.session_connect_attrs WHERE ATTR_NAME IN ('_client_name', '_client_version')`;

interface ProcessRow extends RowDataPacket {
  ID: number;
  USER: string | null;
  HOST: string | null;
  DB: string | null;
  COMMAND: string | null;
  TIME: number | null;
  STATE: string | null;
}

/** MySQL, MariaDB and TiDB: information_schema.PROCESSLIST plus connect attributes. */
export const mysqlReader: FlavorReader = {
  flavor: 'mysql',

  async prepare(connection, statementTimeoutMs, serverVersion) {
    const mariadb = /mariadb/i.test(serverVersion);
    await limitStatementTime(connection, statementTimeoutMs, mariadb ? ['max_statement_time'] : ['max_execution_time']);
  },

  async read(connection, context, sink): Promise<ReadSummary> {
    const [rows] = await connection.query<ProcessRow[]>(PROCESSLIST_SQL);
    const [limits] = await connection.query<RowDataPacket[]>(LIMITS_SQL);
    const processPrivilege = await readProcessPrivilege(connection);
    const clients = await readClientAttributes(connection);
    // Connect attributes come after the processlist, so rows wait for them: a server's
    // max_connections bounds how many.
    for (const row of rows) if (isClientSession(row, context)) sink(toSession(row, context, clients));
    const limitRow = limits[0];
    return {
      flavor: 'mysql',
      tenants: [
        { name: context.mysqlTenant, id: null, connectionLimit: numberOrNull(limitRow?.max_connections), locked: false },
      ],
      databases: [],
      processPrivilege,
    };
  },

  async readInfo(connection, refs) {
    if (refs.length === 0) return new Map();
    // LEFT counts characters (each at least a byte): it bounds what the server sends, and the
    // exact cut, in bytes, is made here.
    const [rows] = await connection.query<RowDataPacket[]>(
      `${STATEMENT_TAG} SELECT ID, LEFT(INFO, ?) AS INFO FROM information_schema.PROCESSLIST WHERE ID IN (?)`,
      [MAX_INFO_BYTES, refs.map((ref) => ref.id)],
    );
    const byId = new Map(rows.map((row) => [Number(row.ID), truncateUtf8(String(row.INFO ?? ''), MAX_INFO_BYTES)]));
    return new Map(refs.map((ref) => [sessionKey(ref), byId.get(ref.id) ?? '']));
  },
};

function isClientSession(row: ProcessRow, context: ReadContext): boolean {
  if (context.ownThreadIds.has(Number(row.ID))) return false;
  if (SYSTEM_COMMANDS.has(row.COMMAND ?? '')) return false;
  return !SYSTEM_USERS.has(row.USER ?? '');
}

/**
 * Whether the account holds PROCESS (without it the processlist shows only its own threads),
 * directly or through its enabled roles; null when the server does not answer SHOW GRANTS.
 */
async function readProcessPrivilege(connection: Connection): Promise<boolean | null> {
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SHOW GRANTS');
    // One column, named after the account ("Grants for exporter@%").
    return grantsHoldProcess(rows.map((row) => String(Object.values(row)[0] ?? '')));
  } catch {
    return null;
  }
}

interface ClientAttributes {
  name: string;
  version: string;
}

/**
 * Driver name and version from performance_schema (MariaDB only with performance_schema=ON).
 * Unreadable attributes mean "unknown", never a failed scrape.
 */
async function readClientAttributes(connection: Connection): Promise<ReadonlyMap<number, ClientAttributes>> {
  const clients = new Map<number, ClientAttributes>();
  let rows: RowDataPacket[];
  try {
    [rows] = await connection.query<RowDataPacket[]>(CONNECT_ATTRS_SQL);
  } catch {
    return clients;
  }
  for (const row of rows) {
    const id = Number(row.id);
    const client = clients.get(id) ?? { name: '', version: '' };
    if (row.name === '_client_name') client.name = String(row.value ?? '');
    else client.version = String(row.value ?? '');
    clients.set(id, client);
  }
  return clients;
}

function toSession(row: ProcessRow, context: ReadContext, clients: ReadonlyMap<number, ClientAttributes>): Session {
  const id = integer(row.ID);
  const host = text(row.HOST);
  const command = text(row.COMMAND);
  const client = clients.get(id);
  return {
    id,
    svr_ip: context.host,
    svr_port: context.port,
    sql_port: context.port,
    user: text(row.USER),
    db: text(row.DB),
    tenant: context.mysqlTenant,
    host,
    command,
    time: finiteNumber(row.TIME),
    state: command === 'Sleep' ? SLEEP : ACTIVE,
    proxy_sess_id: 0,
    proxy_ip: '',
    action: '',
    module: '',
    client_info: '',
    level: 0,
    sample_percentage: 0,
    record_policy: '',
    sql_id: '',
    total_cpu_time: 0,
    memory_usage: 0,
    client_ip: hostAddress(host),
    client_name: client?.name ?? '',
    client_version: client?.version ?? '',
  };
}
