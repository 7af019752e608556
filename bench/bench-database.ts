import mysql, { type Connection } from 'mysql2/promise';
import { startTestDatabase, type TestDatabase } from '../test/support/mariadb.js';
import { createCluster } from './emulated-cluster.js';
import type { Account } from './mysqld-exporter.js';

/** The private MariaDB the whole run uses, its monitoring account and its idle clients. */
export interface BenchDatabase {
  readonly db: TestDatabase;
  /** root, for filling the emulated views. */
  readonly admin: Connection;
  /** What both exporters log in as: PROCESS and SELECT, like a real monitoring account. */
  readonly monitor: Account;
  destroy(): Promise<void>;
}

const MONITOR = { user: 'monitor', password: 'bench-monitor' };
const APP = { user: 'app', password: 'bench-app' };

export async function startBenchDatabase(): Promise<BenchDatabase> {
  // 300k emulated sessions are about 150 MB of rows: keep them in memory, as OceanBase's are.
  const db = await startTestDatabase({ serverArgs: ['--innodb-buffer-pool-size=768M', '--max-connections=3000'] });
  if (!db.private) {
    await db.destroy();
    throw new Error('the benchmarks fill and resize their own server: unset TEST_MYSQL_URL');
  }
  const admin = await db.connect({ multipleStatements: true });
  await admin.query(
    `CREATE USER '${MONITOR.user}'@'%' IDENTIFIED BY '${MONITOR.password}';
     GRANT PROCESS, SELECT ON *.* TO '${MONITOR.user}'@'%';
     CREATE USER '${APP.user}'@'%' IDENTIFIED BY '${APP.password}';
     CREATE DATABASE shop; GRANT ALL ON shop.* TO '${APP.user}'@'%';`,
  );
  await createCluster(admin);
  return {
    db,
    admin,
    monitor: { host: db.host, port: db.port, ...MONITOR },
    async destroy() {
      await admin.end();
      await db.destroy();
    },
  };
}

/** Real client sessions that just sit there, as an application's connection pools do. */
export async function openIdleConnections(db: TestDatabase, count: number): Promise<{ close(): Promise<void> }> {
  const connections: Connection[] = [];
  const batch = 50;
  try {
    for (let opened = 0; opened < count; opened += batch) {
      const size = Math.min(batch, count - opened);
      connections.push(
        ...(await Promise.all(
          Array.from({ length: size }, () =>
            mysql.createConnection({ host: db.host, port: db.port, ...APP, database: 'shop', connectTimeout: 20_000 }),
          ),
        )),
      );
    }
  } catch (error) {
    for (const connection of connections) connection.destroy();
    throw error;
  }
  return {
    async close() {
      for (const connection of connections) connection.destroy();
    },
  };
}
