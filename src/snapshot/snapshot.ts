import type { Session, SessionGroup } from './session.js';

export type Flavor = 'oceanbase' | 'mysql';

export interface TenantInfo {
  readonly name: string;
  /** OceanBase TENANT_ID; null for MySQL targets. */
  readonly id: number | null;
  /** Sessions the tenant may open (max_connections), null when it cannot be read. */
  readonly connectionLimit: number | null;
  readonly locked: boolean;
}

/** A schema's id within its tenant (OceanBase DATABASE_ID), for DBSS `db_id`. */
export interface DatabaseInfo {
  readonly tenant: string;
  readonly name: string;
  readonly id: number;
}

/**
 * Everything one scrape of one target read, and its enrichment. Built once per scrape and swapped
 * in whole, so readers never see half of one scrape and half of another; nothing changes it
 * after that (readonly throughout: freezing 100k sessions at every scrape costs more than it
 * protects).
 */
export interface TargetSnapshot {
  readonly target: string;
  readonly flavor: Flavor;
  /** Epoch milliseconds at which the read finished. */
  readonly takenAt: number;
  readonly tenants: readonly TenantInfo[];
  readonly databases: readonly DatabaseInfo[];
  readonly sessions: readonly Session[];
  /** The sessions by the labels they share, each group enriched once: what every count reads. */
  readonly groups: readonly SessionGroup[];
  /** Epoch ms at which each session (by sessionKey) was first seen by this exporter. */
  readonly firstSeen: ReadonlyMap<string, number>;
  /** Sessions first seen in this scrape (empty on the first scrape: that one is a baseline). */
  readonly started: readonly Session[];
  /** MySQL: whether the account holds PROCESS (without it only its own threads show). */
  readonly processPrivilege: boolean | null;
}
