import type { Connection } from 'mysql2/promise';
import type { TargetConfig } from '../config/schema.js';
import { ConnectionPool, targetAddress } from './connection-pool.js';
import { detectFlavor, identifyServer } from './detect.js';
import { mysqlReader } from './mysql.js';
import { oceanbaseReader } from './oceanbase.js';
import type { FlavorReader, ReadContext, SessionRef, SessionSource, ReadSummary, SessionSink } from './source.js';

const READERS: Record<'mysql' | 'oceanbase', FlavorReader> = { mysql: mysqlReader, oceanbase: oceanbaseReader };

/** At most two connections per target: one scrape, one API detail lookup. */
const MAX_CONNECTIONS = 2;

/**
 * A configured target as a SessionSource: its pool, its flavor (fixed or detected on every new
 * connection, so a server replaced by another kind is followed), and where it lives.
 */
export function createTargetSource(target: TargetConfig, timeoutMs: number): SessionSource {
  const readers = new WeakMap<Connection, FlavorReader>();
  const pool = new ConnectionPool({
    target,
    timeoutMs,
    maxConnections: MAX_CONNECTIONS,
    async prepare(connection) {
      const server = await identifyServer(connection);
      const reader = READERS[target.flavor === 'auto' ? detectFlavor(server) : target.flavor];
      await reader.prepare(connection, timeoutMs, server.version);
      readers.set(connection, reader);
    },
  });
  const { host, port, user } = targetAddress(target);
  const readerOf = (connection: Connection): FlavorReader => readers.get(connection) ?? mysqlReader;

  return {
    read(sink: SessionSink): Promise<ReadSummary> {
      return pool.use((connection) => {
        const context: ReadContext = {
          host,
          port,
          tenants: target.tenants,
          mysqlTenant: target.tenant ?? target.name,
          ownThreadIds: pool.ownThreadIds(),
          ownUser: user.split(/[@#]/)[0] ?? user,
        };
        return readerOf(connection).read(connection, context, sink);
      });
    },
    readInfo(refs: readonly SessionRef[]) {
      return pool.use((connection) => readerOf(connection).readInfo(connection, refs));
    },
    close: () => pool.close(),
  };
}
