import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionTracker, type Observation } from './identity.js';
import { sessionKey, type Session } from './session.js';
import { sessionFixture } from '../../test/support/session-fixture.js';

function observe(tracker: SessionTracker, sessions: Session[], now: number): Observation<Session> {
  const observing = tracker.begin<Session>(now);
  for (const session of sessions) observing.see(session);
  return observing.finish();
}

describe('SessionTracker', () => {
  it('takes the first observation as a baseline, then reports new sessions once', () => {
    const tracker = new SessionTracker();
    const a = sessionFixture({ id: 1 });
    const b = sessionFixture({ id: 2 });
    expect(observe(tracker, [a], 1000).started).toEqual([]);
    const second = observe(tracker, [a, b], 2000);
    expect(second.started).toEqual([b]);
    expect(second.firstSeen.get('10.0.0.1|2882|1')).toBe(1000);
    expect(second.firstSeen.get('10.0.0.1|2882|2')).toBe(2000);
    expect(observe(tracker, [a, b], 3000).started).toEqual([]);
  });

  it('tells sessions of two observers with the same id apart', () => {
    const tracker = new SessionTracker();
    observe(tracker, [sessionFixture({ id: 7, svr_ip: '10.0.0.1' })], 1000);
    const other = sessionFixture({ id: 7, svr_ip: '10.0.0.2' });
    expect(observe(tracker, [other], 2000).started).toEqual([other]);
  });

  it('counts a reused id under another user as a new session', () => {
    const tracker = new SessionTracker();
    observe(tracker, [sessionFixture({ id: 9, user: 'app' })], 1000);
    const reused = sessionFixture({ id: 9, user: 'batch' });
    const observation = observe(tracker, [reused], 2000);
    expect(observation.started).toEqual([reused]);
    expect(observation.firstSeen.get('10.0.0.1|2882|9')).toBe(2000);
  });

  it('forgets sessions that closed, so a returning id is new', () => {
    const tracker = new SessionTracker();
    const s = sessionFixture({ id: 3 });
    observe(tracker, [s], 1000);
    observe(tracker, [], 2000);
    expect(observe(tracker, [s], 3000).started).toEqual([s]);
  });

  it('answers first-seen times by sessionKey like a map, IPv6 observers too', () => {
    const tracker = new SessionTracker();
    const a = sessionFixture({ id: 3_221_225_472, svr_ip: '2001:db8::1', svr_port: 2882 });
    const b = sessionFixture({ id: 5, svr_ip: '10.0.0.1', svr_port: 2883 });
    observe(tracker, [a], 1000);
    const { firstSeen } = observe(tracker, [a, b], 2000);
    expect(firstSeen.size).toBe(2);
    expect(firstSeen.get('2001:db8::1|2882|3221225472')).toBe(1000);
    expect(firstSeen.has('10.0.0.1|2883|5')).toBe(true);
    expect(firstSeen.has('10.0.0.1|2882|5')).toBe(false);
    expect(firstSeen.get('not a key')).toBeUndefined();
    expect(new Map(firstSeen)).toEqual(
      new Map([
        ['2001:db8::1|2882|3221225472', 1000],
        ['10.0.0.1|2883|5', 2000],
      ]),
    );
    expect([...firstSeen.keys()]).toEqual([...firstSeen.entries()].map(([key]) => key));
    expect([...firstSeen.values()]).toEqual([1000, 2000]);
  });

  it('agrees with a plain lookup by key whatever the order, churn and reuse between reads', () => {
    // Observations of sessions with distinct keys, each a shuffled mix of old and new ones.
    const session = fc.record({
      id: fc.integer({ min: 3_221_225_472, max: 3_221_225_500 }),
      svr_ip: fc.constantFrom('10.0.0.1', '10.0.0.2'),
      user: fc.constantFrom('app', 'batch'),
      tenant: fc.constantFrom('t1', 't2'),
    });
    const observation = fc.uniqueArray(session, { selector: (s) => `${s.svr_ip}|${s.id}`, maxLength: 40 });
    fc.assert(
      // Sorted observations keep the order from one read to the next, as a view mostly does.
      fc.property(fc.array(fc.tuple(observation, fc.boolean()), { minLength: 1, maxLength: 8 }), (observations) => {
        const tracker = new SessionTracker();
        const reference = new Map<string, { firstSeen: number; tenant: string; user: string }>();
        observations.forEach(([fields, sorted], round) => {
          const ordered = sorted ? [...fields].sort((a, b) => a.svr_ip.localeCompare(b.svr_ip) || a.id - b.id) : fields;
          const sessions = ordered.map((f) => sessionFixture(f));
          const now = 1000 * (round + 1);
          const { firstSeen, started } = observe(tracker, sessions, now);
          const expectedStarted: Session[] = [];
          const next = new Map<string, { firstSeen: number; tenant: string; user: string }>();
          for (const s of sessions) {
            const known = reference.get(sessionKey(s));
            const same = known !== undefined && known.tenant === s.tenant && known.user === s.user;
            if (!same && round > 0) expectedStarted.push(s);
            next.set(sessionKey(s), same ? known : { firstSeen: now, tenant: s.tenant, user: s.user });
          }
          reference.clear();
          for (const [key, identity] of next) reference.set(key, identity);
          expect(started).toEqual(expectedStarted);
          expect(new Map(firstSeen)).toEqual(new Map([...reference].map(([key, identity]) => [key, identity.firstSeen])));
          for (const [key, identity] of reference) expect(firstSeen.get(key)).toBe(identity.firstSeen);
        });
      }),
      { numRuns: 300 },
    );
  });
});
