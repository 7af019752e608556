import type { Connection } from 'mysql2/promise';

/** The session variables that cap a statement's run time, in each server's own unit. */
const LIMITS = {
  ob_query_timeout: (ms: number) => `SET SESSION ob_query_timeout = ${Math.ceil(ms * 1000)}`,
  max_statement_time: (ms: number) => `SET SESSION max_statement_time = ${(ms / 1000).toFixed(3)}`,
  max_execution_time: (ms: number) => `SET SESSION max_execution_time = ${Math.ceil(ms)}`,
} as const;

export type StatementLimit = keyof typeof LIMITS;

/**
 * Caps how long any of our statements may run on the server, so an abandoned scrape does not
 * keep working there. Tries the flavor's own variable first, then the others (a proxy or fork may
 * speak another dialect); returns the one that took, or null when none did.
 */
export async function limitStatementTime(
  connection: Connection,
  timeoutMs: number,
  preferred: readonly StatementLimit[],
): Promise<StatementLimit | null> {
  const order = [...preferred, ...(Object.keys(LIMITS) as StatementLimit[]).filter((l) => !preferred.includes(l))];
  for (const variable of order) {
    try {
      await connection.query(LIMITS[variable](timeoutMs));
      return variable;
    } catch {
      // not this server's dialect: try the next
    }
  }
  return null;
}

/** What each server answers when it ends a statement at that limit: MariaDB, MySQL, OceanBase. */
const STATEMENT_TIMEOUT_ERRNOS = new Set([1969, 3024, 4012]);

/** Whether the server itself ended our statement at its time limit (a timeout, not a failure of the server). */
export function isStatementTimeout(error: unknown): boolean {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' && STATEMENT_TIMEOUT_ERRNOS.has(errno);
}
