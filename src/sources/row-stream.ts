import type { Connection as CoreConnection, QueryOptions, RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';

/**
 * Runs a query and hands over each row as it is parsed, never holding the whole result: with
 * 100k sessions the rows of a buffered query outlive several young-generation collections and
 * cost more in garbage collection than in parsing, and converting them afterwards is one long
 * synchronous loop. The promise API has no row events, so this goes through its core connection
 * (a documented property of mysql2's promise wrapper, absent from its typings).
 */
export function forEachRow(connection: Connection, options: QueryOptions, onRow: (row: RowDataPacket) => void): Promise<void> {
  const core = (connection as unknown as { connection?: CoreConnection }).connection;
  if (!core) return Promise.reject(new Error('mysql2 promise connection without its core connection'));
  return new Promise((resolve, reject) => {
    let failure: unknown = null;
    core
      .query(options)
      .on('result', (row) => {
        if (failure !== null) return;
        try {
          onRow(row as RowDataPacket);
        } catch (error) {
          // Throwing here would unwind through mysql2's packet parser; drain the rest instead.
          failure = error;
        }
      })
      .on('error', reject)
      .on('end', () => (failure === null ? resolve() : reject(failure)));
  });
}
