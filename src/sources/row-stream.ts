import type { Connection as CoreConnection } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { TimeSlice } from '../event-loop/time-slices.js';
import { PacketCells, ValueCells, type CellReader, type RowBytes } from './row-cells.js';

/** Turns one row's cells into what the caller keeps, or undefined to leave the row out. */
export type RowDecoder<T> = (cells: CellReader) => T | undefined;

const SKIPPED = Symbol('skipped row');

/**
 * Runs a query and hands over each row as it is decoded, never holding the whole result: with
 * 100k sessions the rows of a buffered query outlive several young-generation collections and
 * cost more in garbage collection than in parsing. Rows are decoded from their bytes (see
 * readRowBytes). The connection is paused whenever a time slice is used up: when the server
 * sends faster than rows are decoded, one turn of the event loop would otherwise take megabytes.
 * The promise API has no row events, so this goes through its core connection (a property of
 * mysql2's promise wrapper that its typings leave out).
 */
export function forEachRow<T>(connection: Connection, sql: string, decode: RowDecoder<T>, onRow: (row: T) => void): Promise<void> {
  const core = (connection as unknown as { connection?: CoreConnection }).connection;
  if (!core) return Promise.reject(new Error('mysql2 promise connection without its core connection'));
  return new Promise((resolve, reject) => {
    let failure: unknown = null;
    const slice = new TimeSlice();
    const packetCells = new PacketCells();
    const valueCells = new ValueCells();
    // Throwing inside mysql2's packet parser would unwind through it: keep the first failure
    // and drain the rest of the result instead.
    const take = (cells: CellReader): T | typeof SKIPPED => {
      if (failure !== null) return SKIPPED;
      try {
        return decode(cells) ?? SKIPPED;
      } catch (error) {
        failure = error;
        return SKIPPED;
      }
    };
    // A query without a callback is not told when its connection dies mid-result: mysql2 tells
    // the connection, so the read listens there too rather than wait for scrape_timeout.
    const lost = (error: unknown): void => settle(error);
    const settle = (error: unknown): void => {
      core.removeListener('error', lost);
      if (error === null) resolve();
      else reject(error);
    };
    core.once('error', lost);
    // Once mysql2 has handed over one row's bytes, every row comes through readRowBytes.
    let fromBytes = false;
    const query = core.query({ sql, rowsAsArray: true });
    readRowBytes(query, (row) => {
      fromBytes = true;
      return take(packetCells.reset(row));
    });
    query
      .on('result', (row: unknown) => {
        const value = fromBytes ? (row as T | typeof SKIPPED) : take(valueCells.reset(row as unknown[]));
        if (value !== SKIPPED && failure === null) {
          try {
            onRow(value);
          } catch (error) {
            failure = error;
          }
        }
        if (slice.due()) {
          core.pause();
          setImmediate(() => {
            slice.restart();
            core.resume();
          });
        }
      })
      .on('error', settle)
      .on('end', () => settle(failure));
  });
}

/**
 * Has mysql2 hand each row's bytes to `decode` in place of its own row parser, whose slot
 * (Query#_rowParser) it fills once the columns have arrived and calls `next(packet)` on for every
 * row. Decoding the bytes directly spares a string or number per cell and an array per row that
 * would be garbage at once. mysql2 does not expose the slot: with a version that lacks it, its
 * parsed row arrays keep coming and are read through ValueCells, only slower
 * (test/core/row-stream.test.ts holds the installed version to the fast path).
 */
function readRowBytes(query: object, decode: (row: RowBytes) => unknown): void {
  const parser = { next: decode };
  Object.defineProperty(query, '_rowParser', { get: () => parser, set: () => undefined, configurable: true });
}
