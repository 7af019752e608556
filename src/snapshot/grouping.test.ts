import { describe, expect, it } from 'vitest';
import { sessionFixture } from '../../test/support/session-fixture.js';
import { plainEnrichment, type Enrichment } from './enrichment.js';
import { SessionGrouping } from './grouping.js';
import type { Session, SessionGroup } from './session.js';

/** plainEnrichment, counting its calls. */
function counting(): { enrichment: Enrichment; located: string[]; classified: Session[] } {
  const located: string[] = [];
  const classified: Session[] = [];
  return {
    located,
    classified,
    enrichment: {
      locate: (ip) => (located.push(ip), plainEnrichment.locate(ip)),
      classify: (s) => (classified.push(s), plainEnrichment.classify(s)),
    },
  };
}

const labels = (g: SessionGroup) => [g.tenant, g.db, g.user, g.state, g.client_ip, g.client.client, g.client.version, g.sessions, g.maxTime];

describe('SessionGrouping', () => {
  it('puts sessions alike in every label in one group, counted, with the longest TIME', () => {
    const grouping = new SessionGrouping(plainEnrichment);
    grouping.add(sessionFixture({ id: 1, time: 5 }));
    grouping.add(sessionFixture({ id: 2, time: 9 }));
    grouping.add(sessionFixture({ id: 3, time: 1, state: 'ACTIVE' }));
    grouping.add(sessionFixture({ id: 4, time: 2, db: 'other' }));
    grouping.add(sessionFixture({ id: 5, time: 3 }));
    expect(grouping.groups().map(labels)).toEqual([
      ['t1', 'shop', 'app', 'SLEEP', '192.168.1.10', 'unknown', 'unknown', 3, 9],
      ['t1', 'shop', 'app', 'ACTIVE', '192.168.1.10', 'unknown', 'unknown', 1, 1],
      ['t1', 'other', 'app', 'SLEEP', '192.168.1.10', 'unknown', 'unknown', 1, 2],
    ]);
  });

  it('keeps sessions apart by tenant, user and client version, even from one address', () => {
    const grouping = new SessionGrouping(plainEnrichment);
    grouping.add(sessionFixture({ id: 1 }));
    grouping.add(sessionFixture({ id: 2, tenant: 't2' }));
    grouping.add(sessionFixture({ id: 3, user: 'batch' }));
    grouping.add(sessionFixture({ id: 4, client_name: 'Node-MySQL-2', client_version: '3.9.0' }));
    grouping.add(sessionFixture({ id: 5, client_name: 'Node-MySQL-2', client_version: '3.10.0' }));
    grouping.add(sessionFixture({ id: 6, client_name: 'Node-MySQL-2', client_version: '3.9.0' }));
    expect(grouping.groups().map((g) => [g.tenant, g.user, g.client.version, g.sessions])).toEqual([
      ['t1', 'app', 'unknown', 1],
      ['t2', 'app', 'unknown', 1],
      ['t1', 'batch', 'unknown', 1],
      ['t1', 'app', '3.9.0', 2],
      ['t1', 'app', '3.10.0', 1],
    ]);
  });

  it('locates each address once and classifies each run of alike client columns once', () => {
    const { enrichment, located, classified } = counting();
    const grouping = new SessionGrouping(enrichment);
    for (let i = 0; i < 1000; i++) grouping.add(sessionFixture({ id: i, client_ip: `203.0.113.${i % 10}`, client_info: 'client=ob-jdbc/2.4.3' }));
    expect(located).toHaveLength(10);
    expect(classified).toHaveLength(10);
    expect(grouping.groups()).toHaveLength(10);
  });

  it('keeps counting right for an address with many label sets, a proxy in front of many users', () => {
    const grouping = new SessionGrouping(plainEnrichment);
    const users = 40;
    for (let i = 0; i < 4000; i++) grouping.add(sessionFixture({ id: i, client_ip: '10.9.9.9', user: `u${i % users}`, state: i % 3 === 0 ? 'ACTIVE' : 'SLEEP' }));
    const groups = grouping.groups();
    // 40 users x 2 states, each pair once: i % 40 and i % 3 meet in every combination.
    expect(groups).toHaveLength(users * 2);
    expect(new Set(groups.map((g) => `${g.user}/${g.state}`)).size).toBe(users * 2);
    expect(groups.reduce((sum, g) => sum + g.sessions, 0)).toBe(4000);
  });
});
