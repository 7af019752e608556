import type { Connection as CoreConnection, QueryOptions, RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { TimeSlice } from '../event-loop/time-slices.js';

/**
 * Runs a query and hands over each row as it is parsed, never holding the whole result: with
 * 100k sessions the rows of a buffered query outlive several young-generation collections and
 * cost more in garbage collection than in parsing. The connection is paused whenever a time slice
 * is used up: when the server sends faster than rows are parsed, one turn of the event loop would
 * otherwise read and parse megabytes. The promise API has no row events, so this goes through its
 * core connection (a property of mysql2's promise wrapper that its typings leave out).
 */
export function forEachRow(connection: Connection, options: QueryOptions, onRow: (row: RowDataPacket) => void): Promise<void> {
  const core = (connection as unknown as { connection?: CoreConnection }).connection;
  if (!core) return Promise.reject(new Error('mysql2 promise connection without its core connection'));
  return new Promise((resolve, reject) => {
    let failure: unknown = null;
    const slice = new TimeSlice();
    core
      .query(options)
      .on('result', (row) => {
        if (failure === null) {
          try {
            onRow(row as RowDataPacket);
          } catch (error) {
            // Throwing here would unwind through mysql2's packet parser; drain the rest instead.
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
      .on('error', reject)
      .on('end', () => (failure === null ? resolve() : reject(failure)));
  });
}
