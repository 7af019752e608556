import { describe, expect, it } from 'vitest';
import { sessionFixture } from '../../test/support/session-fixture.js';
import type { SourceRead } from '../sources/source.js';
import { buildSnapshot } from './build.js';
import { plainEnrichment, type Enrichment } from './enrichment.js';
import { SessionTracker } from './identity.js';
import type { GeoLocation } from './session.js';

const SESSIONS = 100_000;
const CLIENTS = 2_000;

/** Public-looking addresses, so nothing could take a shortcut for private ranges. */
const clientIp = (i: number): string => `203.0.${Math.floor(i / 250)}.${i % 250}`;

/**
 * 100k sessions whose client addresses take turns (session i comes from client i mod 2000), so
 * no address is ever repeated next to itself: a cache of the last address alone would not do.
 */
function read(): SourceRead {
  const sessions = Array.from({ length: SESSIONS }, (_, i) => sessionFixture({ id: i, client_ip: clientIp(i % CLIENTS) }));
  return { flavor: 'mysql', tenants: [], databases: [], processPrivilege: true, sessions };
}

/** The GeoIP part of an enrichment, counting every lookup; each address gets its own country. */
function countingEnrichment(): { enrichment: Enrichment; asked: string[] } {
  const asked: string[] = [];
  const locate = (ip: string): GeoLocation => {
    asked.push(ip);
    return { country: `C-${ip}`, continent: 'EU', latitude: null, longitude: null };
  };
  return { enrichment: { locate, classify: plainEnrichment.classify }, asked };
}

describe('buildSnapshot', () => {
  it('locates each distinct client address once per snapshot: 100k sessions from 2k clients are 2k lookups', async () => {
    const { enrichment, asked } = countingEnrichment();
    const snapshot = await buildSnapshot('t', read(), new SessionTracker(), enrichment, 0);

    expect(asked).toHaveLength(CLIENTS);
    expect(new Set(asked).size).toBe(CLIENTS);
    expect(snapshot.sessions).toHaveLength(SESSIONS);
    // Every group carries its own address's answer, not a neighbour's, and all sessions are in one.
    expect(new Set(snapshot.groups.map((g) => g.client_ip)).size).toBe(CLIENTS);
    expect(snapshot.groups.every((g) => g.location.country === `C-${g.client_ip}`)).toBe(true);
    expect(snapshot.groups.reduce((sum, g) => sum + g.sessions, 0)).toBe(SESSIONS);
  });

  it('looks addresses up again for the next snapshot, so a replaced GeoIP database applies at the next scrape', async () => {
    const { enrichment, asked } = countingEnrichment();
    const tracker = new SessionTracker();
    await buildSnapshot('t', read(), tracker, enrichment, 0);
    await buildSnapshot('t', read(), tracker, enrichment, 1);
    expect(asked).toHaveLength(2 * CLIENTS);
  });
});
