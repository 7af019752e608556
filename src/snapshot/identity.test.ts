import { describe, expect, it } from 'vitest';
import { SessionTracker } from './identity.js';
import { sessionFixture } from '../../test/support/session-fixture.js';

describe('SessionTracker', () => {
  it('takes the first observation as a baseline, then reports new sessions once', () => {
    const tracker = new SessionTracker();
    const a = sessionFixture({ id: 1 });
    const b = sessionFixture({ id: 2 });
    expect(tracker.observe([a], 1000).started).toEqual([]);
    const second = tracker.observe([a, b], 2000);
    expect(second.started).toEqual([b]);
    expect(second.firstSeen.get('10.0.0.1|2882|1')).toBe(1000);
    expect(second.firstSeen.get('10.0.0.1|2882|2')).toBe(2000);
    expect(tracker.observe([a, b], 3000).started).toEqual([]);
  });

  it('tells sessions of two observers with the same id apart', () => {
    const tracker = new SessionTracker();
    tracker.observe([sessionFixture({ id: 7, svr_ip: '10.0.0.1' })], 1000);
    const other = sessionFixture({ id: 7, svr_ip: '10.0.0.2' });
    expect(tracker.observe([other], 2000).started).toEqual([other]);
  });

  it('counts a reused id under another user as a new session', () => {
    const tracker = new SessionTracker();
    tracker.observe([sessionFixture({ id: 9, user: 'app' })], 1000);
    const reused = sessionFixture({ id: 9, user: 'batch' });
    const observation = tracker.observe([reused], 2000);
    expect(observation.started).toEqual([reused]);
    expect(observation.firstSeen.get('10.0.0.1|2882|9')).toBe(2000);
  });

  it('forgets sessions that closed, so a returning id is new', () => {
    const tracker = new SessionTracker();
    const s = sessionFixture({ id: 3 });
    tracker.observe([s], 1000);
    tracker.observe([], 2000);
    expect(tracker.observe([s], 3000).started).toEqual([s]);
  });
});
