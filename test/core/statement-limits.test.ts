import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStatementTimeout, limitStatementTime } from '../../src/sources/statement-timeout.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';

/** The statement time limits against a real MariaDB: the SQL takes, and the server enforces it. */
describe('statement time limits on MariaDB', () => {
  let db: TestDatabase;
  let connection: Connection;

  beforeAll(async () => {
    db = await startTestDatabase();
    connection = await db.connect();
  });

  afterAll(async () => {
    await connection?.end();
    await db?.destroy();
  });

  const limit = async () => {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT @@SESSION.max_statement_time AS seconds');
    return Number(rows[0]?.seconds);
  };

  it('falls back from the OceanBase and MySQL variables, which MariaDB does not know, to max_statement_time in seconds', async () => {
    await expect(limitStatementTime(connection, 1250, ['ob_query_timeout'])).resolves.toBe('max_statement_time');
    expect(await limit()).toBe(1.25);
    await expect(limitStatementTime(connection, 2500, ['max_execution_time'])).resolves.toBe('max_statement_time');
    expect(await limit()).toBe(2.5);
  });

  it('has the server end a longer statement, with an error counted as a timeout', async () => {
    await limitStatementTime(connection, 300, ['max_statement_time']);
    const started = performance.now();
    const error: unknown = await connection.query('SELECT SLEEP(5)').then(
      () => null,
      (e: unknown) => e,
    );
    expect(isStatementTimeout(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
