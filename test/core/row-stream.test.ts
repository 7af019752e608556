import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachRow } from '../../src/sources/row-stream.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';

/** Rows handed over one by one by a real server, and failures on either side. */
describe('forEachRow', () => {
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

  it('hands over every row in order, as arrays when asked', async () => {
    const rows: RowDataPacket[] = [];
    await forEachRow(connection, { sql: 'SELECT seq, CONCAT("s", seq) FROM mysql.seq_1_to_5000', rowsAsArray: true }, (row) => rows.push(row));
    expect(rows).toHaveLength(5000);
    expect(rows[0]).toEqual([1, 's1']);
    expect(rows[4999]).toEqual([5000, 's5000']);
  });

  it('rejects with the server error', async () => {
    await expect(forEachRow(connection, { sql: 'SELECT * FROM no_such_table' }, () => undefined)).rejects.toMatchObject({
      code: 'ER_NO_DB_ERROR',
    });
  });

  it('rejects with the error of the row handler once the result is drained, and the connection stays usable', async () => {
    let seen = 0;
    const failing = forEachRow(connection, { sql: 'SELECT seq FROM mysql.seq_1_to_100' }, () => {
      seen++;
      if (seen === 10) throw new Error('bad row');
    });
    await expect(failing).rejects.toThrow('bad row');
    expect(seen).toBe(10);
    const [rows] = await connection.query<RowDataPacket[]>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});
