import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Flavor } from '../snapshot/snapshot.js';

export interface ServerIdentity {
  readonly version: string;
  readonly versionComment: string;
}

export async function identifyServer(connection: Connection): Promise<ServerIdentity> {
  const [rows] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS version, @@version_comment AS comment');
  const row = rows[0];
  return { version: String(row?.version ?? ''), versionComment: String(row?.comment ?? '') };
}

/** OceanBase answers `5.7.25-OceanBase-v4.2.1.0` and a comment starting with "OceanBase". */
export function detectFlavor(server: ServerIdentity): Flavor {
  return /oceanbase/i.test(server.version) || /^oceanbase/i.test(server.versionComment) ? 'oceanbase' : 'mysql';
}
