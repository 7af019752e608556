import type { Connection } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { mysqlReader } from './mysql.js';
import { oceanbaseReader } from './oceanbase.js';
import { isStatementTimeout, limitStatementTime, type StatementLimit } from './statement-timeout.js';

/**
 * A server that knows only some of the limit variables, recording every statement it is sent:
 * what is under test is our SQL text and the order of the attempts, so no server behaviour is
 * imitated beyond "unknown system variable". The real MariaDB check is in
 * test/core/statement-limits.test.ts.
 */
function serverKnowing(...known: StatementLimit[]) {
  const sent: string[] = [];
  const connection = {
    async query(sql: string) {
      sent.push(sql);
      const variable = /^SET SESSION (\w+) = /.exec(sql)?.[1];
      if (!known.includes(variable as StatementLimit)) throw Object.assign(new Error(`Unknown system variable '${variable}'`), { errno: 1193 });
      return [{}, []];
    },
  };
  // Only query() is used by the code under test.
  return { connection: connection as unknown as Connection, sent };
}

describe('limitStatementTime', () => {
  it.each([
    ['ob_query_timeout', 1500, 'SET SESSION ob_query_timeout = 1500000'],
    ['max_statement_time', 1500, 'SET SESSION max_statement_time = 1.500'],
    ['max_execution_time', 1500, 'SET SESSION max_execution_time = 1500'],
    // The smallest configurable timeout (1ms) is never rounded to 0, "no limit" to all three servers.
    ['ob_query_timeout', 1, 'SET SESSION ob_query_timeout = 1000'],
    ['max_statement_time', 1, 'SET SESSION max_statement_time = 0.001'],
    ['max_execution_time', 1, 'SET SESSION max_execution_time = 1'],
  ] as const)('sets %s in its own unit for %d ms', async (variable, ms, sql) => {
    const { connection, sent } = serverKnowing(variable);
    await expect(limitStatementTime(connection, ms, [variable])).resolves.toBe(variable);
    expect(sent).toEqual([sql]);
  });

  it('tries the preferred variable first, then the others in a fixed order, and stops at the first that takes', async () => {
    const { connection, sent } = serverKnowing('max_execution_time');
    await expect(limitStatementTime(connection, 2000, ['max_statement_time'])).resolves.toBe('max_execution_time');
    expect(sent).toEqual([
      'SET SESSION max_statement_time = 2.000',
      'SET SESSION ob_query_timeout = 2000000',
      'SET SESSION max_execution_time = 2000',
    ]);
  });

  it('answers null when the server knows none of them, after trying each once', async () => {
    const { connection, sent } = serverKnowing();
    await expect(limitStatementTime(connection, 1000, ['ob_query_timeout'])).resolves.toBeNull();
    expect(sent.map((sql) => sql.split(' ')[2])).toEqual(['ob_query_timeout', 'max_statement_time', 'max_execution_time']);
  });
});

describe('each flavor prefers its own server’s variable', () => {
  it.each([
    ['OceanBase', () => oceanbaseReader.prepare, '5.7.25-OceanBase-v4.2.1.0', 'ob_query_timeout'],
    ['MariaDB', () => mysqlReader.prepare, '10.11.6-MariaDB-0+deb12u1', 'max_statement_time'],
    ['MySQL', () => mysqlReader.prepare, '8.0.36', 'max_execution_time'],
  ] as const)('%s: %s first', async (_name, prepareOf, version, first) => {
    const { connection, sent } = serverKnowing('ob_query_timeout', 'max_statement_time', 'max_execution_time');
    await prepareOf().call(null, connection, 3000, version);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(new RegExp(`^SET SESSION ${first} = `));
  });
});

describe('isStatementTimeout', () => {
  it.each([
    [{ errno: 1969 }, true], // MariaDB: max_statement_time exceeded
    [{ errno: 3024 }, true], // MySQL: max_execution_time exceeded
    [{ errno: 4012 }, true], // OceanBase: timeout
    [{ errno: 1193 }, false],
    [{ errno: '1969' }, false],
    [new Error('no errno'), false],
    [null, false],
  ])('%j -> %j', (error, expected) => {
    expect(isStatementTimeout(error)).toBe(expected);
  });
});
