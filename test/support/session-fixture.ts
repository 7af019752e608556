import { SnapshotBuilder } from '../../src/snapshot/build.js';
import type { Enrichment } from '../../src/snapshot/enrichment.js';
import { SessionTracker } from '../../src/snapshot/identity.js';
import type { ClientVersion, GeoLocation, Session } from '../../src/snapshot/session.js';
import type { DatabaseInfo, Flavor, TargetSnapshot, TenantInfo } from '../../src/snapshot/snapshot.js';

/** A session with the enrichment a test wants it to get, spelled out beside its columns. */
export type FixtureSession = Session & GeoLocation & ClientVersion;

/**
 * A complete session for unit tests of pure functions; override what the test is about. A
 * session given a client announced it (client_name and client_version), since classification
 * depends on a session's client columns alone.
 */
export function sessionFixture(overrides: Partial<FixtureSession> = {}): FixtureSession {
  const announced = overrides.client !== undefined && overrides.client_name === undefined ? { client_name: overrides.client, client_version: overrides.version ?? '' } : {};
  return {
    id: 1,
    svr_ip: '10.0.0.1',
    svr_port: 2882,
    sql_port: 2881,
    user: 'app',
    db: 'shop',
    tenant: 't1',
    host: '192.168.1.10:50000',
    command: 'Sleep',
    time: 1,
    state: 'SLEEP',
    proxy_sess_id: 0,
    proxy_ip: '',
    action: '',
    module: '',
    client_info: '',
    level: 0,
    sample_percentage: 0,
    record_policy: '',
    sql_id: '',
    total_cpu_time: 0,
    memory_usage: 0,
    client_ip: '192.168.1.10',
    client_name: '',
    client_version: '',
    country: 'private',
    continent: 'private',
    latitude: null,
    longitude: null,
    client: 'unknown',
    version: 'unknown',
    support: 'unknown',
    ...announced,
    ...overrides,
  };
}

export interface SnapshotFixture {
  readonly target?: string;
  readonly flavor?: Flavor;
  readonly takenAt?: number;
  readonly tenants?: readonly TenantInfo[];
  readonly databases?: readonly DatabaseInfo[];
  readonly sessions?: readonly FixtureSession[];
  /** Sessions first seen in this snapshot; by default none (a baseline). */
  readonly started?: readonly Session[];
  readonly processPrivilege?: boolean | null;
}

const columnsOf = (s: Session): string => [s.client_name, s.client_version, s.module, s.action, s.client_info].join('\u0000');

/** What the fixture sessions say they are: each address's location and each client's version. */
function fixtureEnrichment(sessions: readonly FixtureSession[]): Enrichment {
  const locations = new Map<string, GeoLocation>();
  const clients = new Map<string, ClientVersion>();
  for (const s of sessions) {
    if (!locations.has(s.client_ip)) locations.set(s.client_ip, { country: s.country, continent: s.continent, latitude: s.latitude, longitude: s.longitude });
    if (!clients.has(columnsOf(s))) clients.set(columnsOf(s), { client: s.client, version: s.version, support: s.support });
  }
  return {
    locate: (ip) => locations.get(ip) ?? { country: 'unknown', continent: 'unknown', latitude: null, longitude: null },
    classify: (s) => clients.get(columnsOf(s)) ?? { client: 'unknown', version: 'unknown', support: 'unknown' },
  };
}

/** A snapshot built the way scrapes build them (SnapshotBuilder), from fixture sessions. */
export function snapshotFixture(fixture: SnapshotFixture = {}): TargetSnapshot {
  const sessions = fixture.sessions ?? [];
  const takenAt = fixture.takenAt ?? 0;
  const builder = new SnapshotBuilder(fixture.target ?? 'x', new SessionTracker(), fixtureEnrichment(sessions), takenAt);
  for (const session of sessions) builder.add(session);
  const built = builder.finish(
    { flavor: fixture.flavor ?? 'oceanbase', tenants: fixture.tenants ?? [], databases: fixture.databases ?? [], processPrivilege: fixture.processPrivilege ?? null },
    takenAt,
  );
  return fixture.started ? { ...built, started: fixture.started } : built;
}
