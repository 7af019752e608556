import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openHistoryStore, type HistoryStore, type ObservedSession } from '../../src/history/store.js';
import { directoryPerTest } from './temporary-directory.js';
import { DAY, MINUTE, WORKLOAD_START } from './workload.js';

const INTERVAL = 30 * MINUTE;
const SCRAPES_PER_DAY = DAY / INTERVAL;
/** Sessions starting at every scrape, each alive for LIFE scrapes: 300 alive at a time, 4,800 new a day. */
const STARTS = 100;
const LIFE = 3;
/**
 * Far below what holding the extra stored sessions would cost: 23 more days are 110,400 more
 * sessions, at least 10 MiB as objects. The rest is noise of the test process itself.
 */
const FLAT_BYTES = 2 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The heap once garbage is gone: what is left is what something still holds. */
function liveHeap(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Scrape `index`: the sessions started in the last LIFE scrapes, from 200 clients, 5 schemas, 10 users. */
function alive(index: number): ObservedSession[] {
  const sessions: ObservedSession[] = [];
  for (let id = Math.max(0, index - LIFE + 1) * STARTS; id < (index + 1) * STARTS; id++) {
    sessions.push({ key: `10.0.0.1|2881|${id}`, tenant: `t${id % 2}`, db: `db${id % 5}`, user: `u${id % 10}`, client_ip: `198.51.100.${id % 200}` });
  }
  return sessions;
}

async function recordDays(store: HistoryStore, fromDay: number, toDay: number): Promise<void> {
  for (let index = fromDay * SCRAPES_PER_DAY; index < toDay * SCRAPES_PER_DAY; index++) {
    await store.record('x', WORKLOAD_START + index * INTERVAL, alive(index));
  }
  await store.flush();
}

const dir = directoryPerTest();

describe('the embedded store in memory', () => {
  it('stays flat while the stored history grows from 7 to 30 days (33,600 to 144,000 sessions), and after reopening', async () => {
    const open = () => openHistoryStore({ path: dir.path, retentionMs: 31 * DAY, sync: false });
    const store = await open();
    await recordDays(store, 0, 7);
    const week = liveHeap();
    await recordDays(store, 7, 30);
    const month = liveHeap();
    await store.close();

    const reopened = await open();
    try {
      const afterReopen = liveHeap();
      // The month is all there: a MONTH window still counts every session.
      const rows = await reopened.query({ target: 'x', tenant: 't0', from: WORKLOAD_START, to: WORKLOAD_START + 30 * DAY, by: 'client' });
      expect(rows.reduce((sum, row) => sum + row.sessions, 0)).toBe((30 * SCRAPES_PER_DAY * STARTS) / 2);
      expect(month - week).toBeLessThan(FLAT_BYTES);
      expect(afterReopen - week).toBeLessThan(FLAT_BYTES);
    } finally {
      await reopened.close();
    }
  });
});
