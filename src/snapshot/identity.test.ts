import { describe, expect, it } from 'vitest';
import { SessionTracker, type Observation } from './identity.js';
import type { EnrichedSession } from './session.js';
import { sessionFixture } from '../../test/support/session-fixture.js';

function observe(tracker: SessionTracker, sessions: EnrichedSession[], now: number): Observation<EnrichedSession> {
  const observing = tracker.begin<EnrichedSession>(now);
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
});
