import { describe, expect, it } from 'vitest';
import { sessionFixture } from '../../test/support/session-fixture.js';
import { sessionStats } from './obshell-stats.js';

describe('sessionStats', () => {
  it('counts by db, user and real client, most sessions first then by name', () => {
    const stats = sessionStats([
      sessionFixture({ db: 'test', user: 'root', client_ip: '10.10.10.100', state: 'ACTIVE', time: 7 }),
      sessionFixture({ db: 'test', user: 'admin', client_ip: '10.10.10.101', time: 99 }),
      sessionFixture({ db: 'sys', user: 'root', client_ip: '10.10.10.100', state: 'ACTIVE', time: 3600.5 }),
      sessionFixture({ db: 'app', user: 'zed', client_ip: '10.10.10.100', proxy_ip: '10.0.0.9' }),
    ]);
    expect(stats).toEqual({
      total: 4,
      active: 2,
      maxActiveTime: 3600.5,
      byDb: [
        { name: 'test', total: 2, active: 1 },
        { name: 'app', total: 1, active: 0 },
        { name: 'sys', total: 1, active: 1 },
      ],
      byUser: [
        { name: 'root', total: 2, active: 2 },
        { name: 'admin', total: 1, active: 0 },
        { name: 'zed', total: 1, active: 0 },
      ],
      byClient: [
        { name: '10.10.10.100', total: 3, active: 2 },
        { name: '10.10.10.101', total: 1, active: 0 },
      ],
    });
  });

  it('takes max_active_time over ACTIVE sessions only, 0 when none', () => {
    expect(sessionStats([sessionFixture({ state: 'SLEEP', time: 500 })]).maxActiveTime).toBe(0);
    expect(sessionStats([]).maxActiveTime).toBe(0);
  });
});
