import type { EnrichedSession } from '../../src/snapshot/session.js';

/** A complete session for unit tests of pure functions; override what the test is about. */
export function sessionFixture(overrides: Partial<EnrichedSession> = {}): EnrichedSession {
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
    client: 'unknown',
    version: 'unknown',
    support: 'unknown',
    ...overrides,
  };
}
