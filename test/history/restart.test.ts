import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHistoryStore, type HistoryStore, type ObservedSession } from '../../src/history/store.js';
import { directoryPerTest } from './temporary-directory.js';
import { MINUTE } from './workload.js';

const T0 = Date.UTC(2024, 6, 1, 23, 57);
const at = (minute: number) => T0 + minute * MINUTE;
const session = (key: string, db = 'orders'): ObservedSession => ({ key, tenant: 'shop', db, user: 'app', client_ip: '10.0.0.1' });

const dir = directoryPerTest();
const open = () => openHistoryStore({ path: dir.path, retentionMs: 31 * 86_400_000 });
const count = async (store: HistoryStore, from: number, to: number) =>
  (await store.query({ target: 'x', tenant: 'shop', from, to, by: 'client' })).map(({ db, sessions }) => [db, sessions]);

describe('restart', () => {
  it('keeps the identity of sessions alive across a restart and ends the ones gone since', async () => {
    let store = await open();
    await store.record('x', at(0), [session('kept'), session('gone')]);
    await store.record('x', at(1), [session('kept'), session('gone')]);
    await store.close();

    store = await open();
    try {
      // Before anything new is recorded, sessions alive at the last scrape count as last seen then.
      expect(await count(store, at(1), at(1))).toEqual([['orders', 2]]);
      expect(await count(store, at(1) + 1, at(9))).toEqual([]);
      // Minute 5 is past UTC midnight: a new segment starts, carrying the restored sessions over.
      await store.record('x', at(5), [session('kept', 'stock'), session('new')]);
      expect(await count(store, at(0), at(5))).toEqual([
        ['orders', 2],
        ['stock', 1],
      ]);
      expect(await count(store, at(2), at(4))).toEqual([['orders', 1]]);
      expect(await count(store, at(0), at(1))).toEqual([['orders', 2]]);
    } finally {
      await store.close();
    }
  });

  it('answers the same windows before and after reopening', async () => {
    let store = await open();
    for (let minute = 0; minute < 10; minute++) {
      await store.record('x', at(minute), [session(`s${minute % 4}`, minute % 3 === 0 ? '' : 'orders'), session(`t${minute}`)]);
    }
    const windows = [0, 2, 3, 4, 9].flatMap((from) => [3, 4, 9, 12].map((to) => [at(from), at(to)] as const));
    const before = await Promise.all(windows.map(([from, to]) => count(store, from, to)));
    await store.close();
    store = await open();
    try {
      expect(await Promise.all(windows.map(([from, to]) => count(store, from, to)))).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('refuses a directory another running process holds, and takes over one a dead process left', async () => {
    const first = await open();
    await first.record('x', at(0), [session('a')]);
    await first.close();

    await writeFile(join(dir.path, 'LOCK'), String(process.ppid));
    await expect(open()).rejects.toThrow(`is in use by process ${process.ppid}`);

    await writeFile(join(dir.path, 'LOCK'), String(await deadPid()));
    const store = await open();
    try {
      expect(await count(store, at(0), at(0))).toEqual([['orders', 1]]);
    } finally {
      await store.close();
    }
  });

  it('rejects use after close', async () => {
    const store = await open();
    await store.close();
    await expect(store.record('x', at(0), [])).rejects.toThrow('closed');
    await expect(store.query({ target: 'x', tenant: 'shop', from: 0, to: 1, by: 'client' })).rejects.toThrow('closed');
  });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  if (child.pid === undefined) throw new Error('could not start node');
  return child.pid;
}
