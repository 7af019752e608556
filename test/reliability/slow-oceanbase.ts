import type { Connection, RowDataPacket } from 'mysql2/promise';
import { STATEMENT_TAG } from '../../src/sources/source.js';
import type { TestDatabase } from '../support/mariadb.js';
import { seedOceanBase } from '../support/oceanbase-schema.js';

/** The account the exporter uses in these tests: PROCESS and SELECT on the views, nothing more. */
export const EXPORTER_USER = 'exporter';
export const EXPORTER_PASSWORD = 'exporter-pw';

/**
 * OceanBase's processlist as a view that sleeps `oceanbase.fault.delay_s` before answering, so a
 * test can make every scrape slow, and kill the server while one runs.
 */
export async function makeProcesslistSlow(admin: Connection): Promise<void> {
  await seedOceanBase(admin);
  await admin.query('RENAME TABLE oceanbase.`GV$OB_PROCESSLIST` TO oceanbase.processlist_rows');
  await admin.query('CREATE TABLE oceanbase.fault (delay_s DOUBLE NOT NULL)');
  await admin.query('INSERT INTO oceanbase.fault VALUES (0)');
  await admin.query(`CREATE VIEW oceanbase.\`GV$OB_PROCESSLIST\` AS
    SELECT r.* FROM oceanbase.processlist_rows r JOIN (SELECT SLEEP((SELECT delay_s FROM oceanbase.fault)) AS slept) s`);
  await admin.query(`CREATE USER ${EXPORTER_USER}@'%' IDENTIFIED BY '${EXPORTER_PASSWORD}'`);
  await admin.query(`GRANT PROCESS ON *.* TO ${EXPORTER_USER}@'%'`);
  await admin.query(`GRANT SELECT ON oceanbase.* TO ${EXPORTER_USER}@'%'`);
}

export async function setDelay(db: TestDatabase, seconds: number): Promise<void> {
  const admin = await db.connect();
  await admin.query('UPDATE oceanbase.fault SET delay_s = ?', [seconds]);
  await admin.end();
}

/**
 * Returns once a query of the exporter sleeps in the view on the server (a scrape, or the SQL
 * text an API asked for, is in flight), found by its tag as a DBA would find it.
 */
export async function waitForSleepingScrape(db: TestDatabase): Promise<void> {
  const admin = await db.connect();
  try {
    for (;;) {
      const [rows] = await admin.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND STATE = 'User sleep' AND INFO LIKE CONCAT(?, ' SELECT %')",
        [EXPORTER_USER, STATEMENT_TAG],
      );
      if (Number(rows[0]?.n) > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    admin.destroy();
  }
}
