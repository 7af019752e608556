import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHistoryStore, type HistoryStore, type ObservedSession } from '../../src/history/store.js';
import { directoryPerTest } from './temporary-directory.js';
import { MINUTE } from './workload.js';

const T0 = Date.UTC(2024, 4, 10, 12, 0);
const at = (minute: number) => T0 + minute * MINUTE;

function session(key: string, overrides: Partial<ObservedSession> = {}): ObservedSession {
  return { key, tenant: 'shop', db: 'orders', user: 'app', client_ip: '10.0.0.1', ...overrides };
}

const dir = directoryPerTest();
let store: HistoryStore;
const warnings: string[] = [];

beforeEach(async () => {
  warnings.length = 0;
  store = await openHistoryStore({ path: dir.path, retentionMs: 31 * 86_400_000, log: { warn: (_details, message) => warnings.push(message) } });
});

afterEach(async () => {
  await store.close();
});

/** Records one scrape a minute, minute 0 first; `null` skips a minute (no scrape). */
async function scrapeEachMinute(target: string, minutes: ReadonlyArray<readonly ObservedSession[] | null>): Promise<void> {
  for (const [minute, alive] of minutes.entries()) if (alive !== null) await store.record(target, at(minute), alive);
}

const byClient = (from: number, to: number, extra: { tenant?: string; target?: string; dbs?: string[] } = {}) =>
  store.query({ target: 'x', tenant: 'shop', from, to, by: 'client', ...extra });

describe('which sessions count in a window', () => {
  beforeEach(async () => {
    // a: minutes 0-2, b: minutes 4-5, c: minute 8 only (the last scrape).
    const a = session('a');
    const b = session('b');
    await scrapeEachMinute('x', [[a], [a], [a], [], [b], [b], [], [], [session('c')]]);
  });

  it('counts a session whose life overlaps the window, bounds included', async () => {
    expect(await byClient(at(2), at(4))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 2 }]);
    expect(await byClient(at(2) + 1, at(4) - 1)).toEqual([]);
    expect(await byClient(at(0), at(0))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
  });

  it('counts a session alive on both sides of a window with no scrape inside', async () => {
    expect(await byClient(at(4) + 10_000, at(4) + 20_000)).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
    expect(await byClient(at(2) + 10_000, at(2) + 20_000)).toEqual([]);
  });

  it('treats a session alive at the last scrape as last seen then', async () => {
    expect(await byClient(at(8), at(8))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
    expect(await byClient(at(8) + 1, at(9))).toEqual([]);
  });

  it('answers [] before the first scrape, for an empty or inverted window, and for unknown targets', async () => {
    expect(await byClient(at(-10), at(-1))).toEqual([]);
    expect(await byClient(at(5), at(4))).toEqual([]);
    expect(await byClient(at(0), at(8), { target: 'nowhere' })).toEqual([]);
    expect(await byClient(at(0), at(8), { tenant: 'nobody' })).toEqual([]);
  });

  it('counts each distinct session once however many scrapes saw it', async () => {
    expect(await byClient(at(0), at(8))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 3 }]);
  });
});

describe('how sessions are grouped', () => {
  it('puts a session under the schema of its last scrape up to the end of the window', async () => {
    const inOrders = session('s', { db: 'orders' });
    const inNone = session('s', { db: '' });
    await scrapeEachMinute('x', [[inOrders], [inOrders], [inNone], [inNone]]);
    expect(await byClient(at(0), at(1))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
    expect(await byClient(at(0), at(3))).toEqual([{ db: '', client_ip: '10.0.0.1', sessions: 1 }]);
    expect(await byClient(at(0), at(2) - 1)).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
  });

  it('groups by (schema, client IP) or by (schema, user), most sessions first', async () => {
    await scrapeEachMinute('x', [
      [
        session('1', { client_ip: '10.0.0.1', user: 'app' }),
        session('2', { client_ip: '10.0.0.2', user: 'app' }),
        session('3', { client_ip: '10.0.0.2', user: 'report' }),
        session('4', { client_ip: '10.0.0.2', user: 'app', db: 'stock' }),
      ],
    ]);
    expect(await byClient(at(0), at(0))).toEqual([
      { db: 'orders', client_ip: '10.0.0.2', sessions: 2 },
      { db: 'orders', client_ip: '10.0.0.1', sessions: 1 },
      { db: 'stock', client_ip: '10.0.0.2', sessions: 1 },
    ]);
    expect(await store.query({ target: 'x', tenant: 'shop', from: at(0), to: at(0), by: 'account' })).toEqual([
      { db: 'orders', user: 'app', sessions: 2 },
      { db: 'orders', user: 'report', sessions: 1 },
      { db: 'stock', user: 'app', sessions: 1 },
    ]);
  });

  it('restricts to the schemas asked for, "" meaning none', async () => {
    await scrapeEachMinute('x', [[session('1', { db: 'orders' }), session('2', { db: 'stock' }), session('3', { db: '' })]]);
    expect(await byClient(at(0), at(0), { dbs: ['stock', ''] })).toEqual([
      { db: '', client_ip: '10.0.0.1', sessions: 1 },
      { db: 'stock', client_ip: '10.0.0.1', sessions: 1 },
    ]);
    expect(await byClient(at(0), at(0), { dbs: [] })).toEqual([]);
  });

  it('keeps tenants and targets apart, even for equal session keys', async () => {
    await scrapeEachMinute('x', [[session('1'), session('2', { tenant: 'hr' })]]);
    await scrapeEachMinute('y', [[session('1'), session('3'), session('4', { tenant: 'hr' })]]);
    expect(await byClient(at(0), at(0))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
    expect(await byClient(at(0), at(0), { tenant: 'hr' })).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
    expect(await byClient(at(0), at(0), { target: 'y' })).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 2 }]);
  });
});

describe('what a session is', () => {
  it('is one key over consecutive scrapes: a key that comes back after a gap is a new session', async () => {
    await scrapeEachMinute('x', [[session('1')], [], [session('1')]]);
    expect(await byClient(at(0), at(2))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 2 }]);
  });

  it('keeps the tenant, user and client IP it started with', async () => {
    await scrapeEachMinute('x', [[session('1', { user: 'app' })], [session('1', { user: 'other' })]]);
    expect(await store.query({ target: 'x', tenant: 'shop', from: at(1), to: at(1), by: 'account' })).toEqual([
      { db: 'orders', user: 'app', sessions: 1 },
    ]);
  });

  it('ignores, with a warning, a scrape that is not after the previous one', async () => {
    await scrapeEachMinute('x', [[session('1')], [session('1')]]);
    await store.record('x', at(1), [session('2')]);
    await store.record('x', at(0), [session('3')]);
    expect(await byClient(at(0), at(1))).toEqual([{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }]);
    expect(warnings).toEqual(['history: ignoring a scrape not after the previous one', 'history: ignoring a scrape not after the previous one']);
  });

  it('counts a session that lives across UTC midnight once, in windows on either side', async () => {
    const midnight = Date.UTC(2024, 4, 11);
    const s = session('night');
    for (const minute of [-2, -1, 0, 1]) await store.record('x', midnight + minute * MINUTE, [s]);
    const one = [{ db: 'orders', client_ip: '10.0.0.1', sessions: 1 }];
    expect(await byClient(midnight - 2 * MINUTE, midnight + MINUTE)).toEqual(one);
    expect(await byClient(midnight + MINUTE, midnight + MINUTE)).toEqual(one);
    expect(await byClient(midnight - 2 * MINUTE, midnight - 2 * MINUTE)).toEqual(one);
  });
});
