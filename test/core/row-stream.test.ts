import type { Connection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketCells, type CellReader } from '../../src/sources/row-cells.js';
import { forEachRow } from '../../src/sources/row-stream.js';
import { StringPool } from '../../src/sources/string-pool.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

/** Rows handed over one by one by a real server, decoded from their bytes, and failures on either side. */
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

  it('hands over every row in order, decoded from the bytes mysql2 read (the installed version keeps the fast path)', async () => {
    const rows: Array<[number, string]> = [];
    const readers = new Set<CellReader>();
    await forEachRow(
      connection,
      'SELECT seq, CONCAT("s", seq) FROM mysql.seq_1_to_5000',
      (cells) => (readers.add(cells), [cells.number(), cells.text()] as [number, string]),
      (row) => rows.push(row),
    );
    expect(rows).toHaveLength(5000);
    expect(rows[0]).toEqual([1, 's1']);
    expect(rows[4999]).toEqual([5000, 's5000']);
    expect([...readers].every((reader) => reader instanceof PacketCells)).toBe(true);
  });

  it('reads every kind of cell as mysql2 parses it: NULLs, long and non-ASCII text, fractions, signs, big numbers', async () => {
    const texts = `NULL, '', 'Åsa 漢字 😀', REPEAT('x', 300), REPEAT('ü', 40000), 'not a number', '  7'`;
    const numbers = `NULL, -12.5, CAST(0.000123 AS DECIMAL(10,6)), CAST(1e20 AS DOUBLE), 12345678901234567, -9007199254740993,
      CAST('123.456000' AS DECIMAL(12,6)), 3.5e-7, '1.5e3', '-', '', 'x1', TIME_TO_SEC('01:00:00') + 0.25`;
    const parsed = async (columns: string) => {
      const [[row]] = await connection.query<RowDataPacket[]>({ sql: `SELECT ${columns}`, rowsAsArray: true });
      return row as unknown as unknown[];
    };
    const decoded = async <T,>(columns: string, read: (cells: CellReader) => T): Promise<T[]> => {
      const count = (await parsed(columns)).length;
      const rows: T[][] = [];
      await forEachRow(connection, `SELECT ${columns}`, (cells) => Array.from({ length: count }, () => read(cells)), (row) => rows.push(row));
      return rows[0]!;
    };
    expect(await decoded(texts, (cells) => cells.text())).toEqual((await parsed(texts)).map((v) => (v === null ? '' : String(v))));
    const finite = (v: unknown) => (Number.isFinite(Number(v ?? 0)) ? Number(v ?? 0) : 0);
    expect(await decoded(numbers, (cells) => cells.number())).toEqual((await parsed(numbers)).map(finite));
  });

  it('pools text by its bytes: one instance per value, normalised once', async () => {
    const pool = new StringPool((value) => value.toUpperCase());
    const seen: string[] = [];
    await forEachRow(connection, "SELECT IF(seq % 2, 'sleep', 'Äctive') FROM mysql.seq_1_to_1000", (cells) => cells.pooled(pool), (v) => seen.push(v));
    expect(new Set(seen)).toEqual(new Set(['SLEEP', 'ÄCTIVE']));
    const first = new Map<string, string>();
    for (const value of seen) {
      if (!first.has(value)) first.set(value, value);
      expect(Object.is(first.get(value), value)).toBe(true);
    }
  });

  it('leaves out the rows the decoder declines', async () => {
    const kept: number[] = [];
    await forEachRow(connection, 'SELECT seq FROM mysql.seq_1_to_100', (cells) => {
      const n = cells.number();
      return n % 10 === 0 ? n : undefined;
    }, (n) => kept.push(n));
    expect(kept).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it('rejects with the server error', async () => {
    await expect(forEachRow(connection, 'SELECT * FROM no_such_table', () => undefined, () => undefined)).rejects.toMatchObject({
      code: 'ER_NO_DB_ERROR',
    });
  });

  it('rejects with the decoder or handler error once the result is drained, and the connection stays usable', async () => {
    for (const where of ['decoder', 'handler'] as const) {
      let seen = 0;
      const failing = forEachRow(
        connection,
        'SELECT seq FROM mysql.seq_1_to_100',
        (cells) => {
          if (where === 'decoder' && ++seen === 10) throw new Error('bad row');
          return cells.number();
        },
        () => {
          if (where === 'handler' && ++seen === 10) throw new Error('bad row');
        },
      );
      await expect(failing).rejects.toThrow('bad row');
      expect(seen).toBe(10);
      const [rows] = await connection.query<RowDataPacket[]>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    }
  });

  it('rejects at once when its connection is lost in the middle of the result', async () => {
    const proxy = await startTcpProxy(db.host, db.port);
    const doomed = await db.connect({ port: proxy.port });
    let rows = 0;
    // Long enough to still be streaming when the link is cut (a few hundred MB).
    const reading = forEachRow(doomed, "SELECT seq, REPEAT('x', 200) FROM mysql.seq_1_to_2000000", (cells) => cells.number(), () => {
      rows++;
    });
    while (rows === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const lostAt = Date.now();
    await proxy.close();
    await expect(reading).rejects.toMatchObject({ code: 'PROTOCOL_CONNECTION_LOST' });
    expect(Date.now() - lostAt).toBeLessThan(1_000);
    doomed.destroy();
  });
});
