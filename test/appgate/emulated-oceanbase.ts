import type { TestDatabase } from '../support/mariadb.js';
import { OB_TENANTS, createOceanBaseSchema, setSessions, setTenants, type ObSessionRow } from '../support/oceanbase-schema.js';

/** OceanBase's views in `db` with the standard tenants and exactly these session rows. */
export async function emulateOceanBase(db: TestDatabase, sessions: readonly ObSessionRow[]): Promise<void> {
  const admin = await db.connect();
  try {
    await createOceanBaseSchema(admin);
    await setTenants(admin, OB_TENANTS);
    await setSessions(admin, sessions);
  } finally {
    await admin.end();
  }
}
