import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/config/schema.js';
import { ConnectionPool, TimeoutError } from '../../src/sources/connection-pool.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';

const TIMEOUT_MS = 300;

/** The pool's deadlines against a real server: nothing it gives up on may keep a slot or a server thread. */
describe('ConnectionPool under slow and abandoned work', () => {
  let db: TestDatabase;
  let admin: Connection;
  const pools: ConnectionPool[] = [];

  beforeAll(async () => {
    db = await startTestDatabase();
    admin = await db.connect();
    for (const user of ['late', 'abandoned', 'closing']) await admin.query(`CREATE USER ${user}@'%'`);
  });

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await admin?.end();
    await db?.destroy();
  });

  const pool = (user: string, prepare: (c: Connection) => Promise<void>, timeoutMs = TIMEOUT_MS) => {
    const created = new ConnectionPool({
      target: targetSchema.parse({ name: 'p', url: `mysql://${user}@${db.host}:${db.port}` }),
      timeoutMs,
      maxConnections: 1,
      prepare,
    });
    pools.push(created);
    return created;
  };
  const serverThreads = async (user: string) => {
    const [rows] = await admin.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
    return Number(rows[0]?.n);
  };

  it('does not lose its only slot to a connection whose setup finished after the deadline', async () => {
    let slowSetups = 1;
    const p = pool('late', async (c) => {
      if (slowSetups-- > 0) await c.query('SELECT SLEEP(0.6)');
    });
    await expect(p.use((c) => c.query('SELECT 1'))).rejects.toBeInstanceOf(TimeoutError);
    await new Promise((r) => setTimeout(r, 800));
    await expect(p.use(async (c) => (await c.query<RowDataPacket[]>('SELECT 1 AS one'))[0][0]?.one)).resolves.toBe(1);
  });

  it('never has more connections on the server than its size while queries are abandoned', async () => {
    const p = pool('abandoned', async (c) => {
      await c.query(`SET SESSION max_statement_time = ${TIMEOUT_MS / 1000}`);
    });
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await serverThreads('abandoned'));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const until = Date.now() + 3_000;
    let abandoned = 0;
    while (Date.now() < until) {
      await p.use((c) => c.query('SELECT SLEEP(1)')).catch(() => abandoned++);
    }
    sampling = false;
    await sampler;
    expect(abandoned).toBeGreaterThan(3);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it('ends work in flight when closed, without waiting for its deadline', async () => {
    const p = pool('closing', async () => {}, 60_000);
    const sleeping = p.use((c) => c.query('SELECT SLEEP(30)'));
    await new Promise((r) => setTimeout(r, 200));
    await p.close();
    await expect(sleeping).rejects.toThrow('connection pool is closed');
    await expect(p.use((c) => c.query('SELECT 1'))).rejects.toThrow('connection pool is closed');
  });
});
