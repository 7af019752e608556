import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { directoryPerTest } from '../../test/history/temporary-directory.js';
import { sessionFixture, snapshotFixture, type FixtureSession } from '../../test/support/session-fixture.js';
import { createLogger } from '../logging/logger.js';
import type { TargetSnapshot } from '../snapshot/snapshot.js';
import { HistoryRecorder, observedSessionsOf } from './recorder.js';
import { openHistoryStore } from './store.js';

const silent = createLogger('error', new Writable({ write: (_chunk, _encoding, done) => done() }));

function snapshot(takenAt: number, sessions: FixtureSession[], target = 'prod'): TargetSnapshot {
  return snapshotFixture({ target, takenAt, sessions });
}

const DAY = { tenant: 't1', from: 0, to: 86_400_000, by: 'client' } as const;

describe('observedSessionsOf', () => {
  it("keys a session by the tracker's identity: observer, id, tenant and user", () => {
    expect(observedSessionsOf(snapshot(1, [sessionFixture({ id: 7, svr_ip: '10.0.0.1', svr_port: 2882 })]))).toEqual([
      { key: '10.0.0.1|2882|7|t1|app', tenant: 't1', db: 'shop', user: 'app', client_ip: '192.168.1.10' },
    ]);
  });
});

describe('HistoryRecorder', () => {
  const dir = directoryPerTest();

  it('records every snapshot, and counts an id reused by another user as another session', async () => {
    const store = await openHistoryStore({ path: dir.path, retentionMs: 86_400_000 * 31 });
    const recorder = new HistoryRecorder(store, silent);
    recorder.observe(snapshot(1_000, [sessionFixture({ id: 1 })]));
    recorder.observe(snapshot(2_000, [sessionFixture({ id: 1 })]));
    recorder.observe(snapshot(3_000, [sessionFixture({ id: 1, user: 'other' })]));
    recorder.observe(snapshot(4_000, [sessionFixture({ id: 1, user: 'other' })]));
    await recorder.close();
    const reopened = await openHistoryStore({ path: dir.path, retentionMs: 86_400_000 * 31 });
    expect(await reopened.query({ ...DAY, target: 'prod' })).toEqual([{ db: 'shop', client_ip: '192.168.1.10', sessions: 2 }]);
    await reopened.close();
  });

  it('keeps the latest snapshot of each target, stale or not, until the target leaves the config', () => {
    const recorder = new HistoryRecorder(null, silent);
    const older = snapshot(1_000, []);
    const newer = snapshot(2_000, []);
    const other = snapshot(1_500, [], 'staging');
    for (const s of [older, other, newer]) recorder.observe(s);
    expect(recorder.latestSnapshot('prod')).toBe(newer);
    recorder.forgetTargetsExcept(new Set(['prod']));
    expect(recorder.latestSnapshot('staging')).toBeUndefined();
    expect(recorder.latestSnapshot('prod')).toBe(newer);
  });

  it('writes the newest waiting snapshot, not every one, when snapshots come faster than writes', async () => {
    const store = await openHistoryStore({ path: dir.path, retentionMs: 86_400_000 * 31 });
    const recorder = new HistoryRecorder(store, silent);
    // Synchronously, while the first write is under way: the second is dropped for the third.
    recorder.observe(snapshot(1_000, [sessionFixture({ id: 1 })]));
    recorder.observe(snapshot(2_000, [sessionFixture({ id: 2 })]));
    recorder.observe(snapshot(3_000, [sessionFixture({ id: 3 })]));
    await recorder.close();
    const reopened = await openHistoryStore({ path: dir.path, retentionMs: 86_400_000 * 31 });
    // Session 2 was never written: sessions 1 and 3 only, neither alive at 2 s.
    expect(await reopened.query({ ...DAY, target: 'prod' })).toEqual([{ db: 'shop', client_ip: '192.168.1.10', sessions: 2 }]);
    expect(await reopened.query({ ...DAY, target: 'prod', from: 1_500, to: 2_500 })).toEqual([]);
    await reopened.close();
  });
});
