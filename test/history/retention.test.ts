import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/history/store.js';
import { canonical, ReferenceHistory } from './reference-model.js';
import { directoryPerTest } from './temporary-directory.js';
import { DAY, MINUTE, WORKLOAD_START, WORKLOAD_TENANTS, workloadScrapes } from './workload.js';

const RETENTION = 2 * DAY;

const dir = directoryPerTest();
const open = () => openHistoryStore({ path: dir.path, retentionMs: RETENTION, sync: false });

describe('retention', () => {
  it('deletes whole segments no window within retention needs, and targets no longer scraped', async () => {
    // Six days, from 2024-01-01 22:00 to 2024-01-07 21:50, plus a target scraped only at the start.
    const scrapes = workloadScrapes('x', 6 * 144);
    const last = scrapes.at(-1)?.at ?? 0;
    let store = await open();
    for (const scrape of workloadScrapes('gone', 10)) await store.record('gone', scrape.at, scrape.alive);
    for (const scrape of scrapes) await store.record('x', scrape.at, scrape.alive);
    await store.flush();

    // 01-05 is the oldest day kept: its first records show the sessions alive at 01-04 23:50.
    expect(await readdir(dir.path)).toEqual(['LOCK', 'target-x']);
    expect(await readdir(`${dir.path}/target-x`)).toEqual(['2024-01-05.seg', '2024-01-06.seg', '2024-01-07.seg']);
    expect(store.retentionStart(last)).toBe(last - RETENTION);
    expect(store.retentionStart(last, 'gone')).toBe(last);

    await store.close();
    store = await open();
    try {
      expect(store.retentionStart(last)).toBe(last - RETENTION);
      const reference = new ReferenceHistory(scrapes);
      const start = last - RETENTION;
      for (const [from, to] of [
        [start, last],
        [start, start],
        [start + 5 * MINUTE, start + 7 * 60 * MINUTE],
        [last - DAY, last + DAY],
      ] as const) {
        for (const tenant of WORKLOAD_TENANTS) {
          const query = { target: 'x', tenant, from, to, by: 'client' as const };
          expect(canonical(await store.query(query))).toEqual(reference.counts(query));
        }
      }
    } finally {
      await store.close();
    }
  });

  it('starts at the first data when that is younger than the retention, and at now when there is none', async () => {
    const store = await open();
    try {
      expect(store.retentionStart(WORKLOAD_START)).toBe(WORKLOAD_START);
      for (const scrape of workloadScrapes('x', 3)) await store.record('x', scrape.at, scrape.alive);
      expect(store.retentionStart(WORKLOAD_START + DAY)).toBe(WORKLOAD_START);
      expect(store.retentionStart(WORKLOAD_START + 3 * DAY)).toBe(WORKLOAD_START + DAY);
      expect(store.retentionStart(WORKLOAD_START + DAY, 'x')).toBe(WORKLOAD_START);
      expect(store.retentionStart(WORKLOAD_START + DAY, 'other')).toBe(WORKLOAD_START + DAY);
    } finally {
      await store.close();
    }
  });
});
