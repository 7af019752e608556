import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { openHistoryStore, type HistoryQuery, type HistoryStore } from '../../src/history/store.js';
import { CRASH_CHECKPOINT, CRASH_TARGETS, settledAnswers } from './crash-answers.js';
import { canonical, ReferenceHistory, type Scrape } from './reference-model.js';
import { directoryPerTest } from './temporary-directory.js';
import { DAY, WORKLOAD_INTERVAL, WORKLOAD_START, WORKLOAD_TENANTS, workloadScrape, workloadScrapes } from './workload.js';

const WRITER = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const KILL_AFTER = 260;
const at = (index: number) => WORKLOAD_START + index * WORKLOAD_INTERVAL;

const dir = directoryPerTest();
const warnings: Array<{ details: object; message: string }> = [];
const open = () => openHistoryStore({ path: dir.path, retentionMs: 365 * DAY, log: { warn: (details, message) => warnings.push({ details, message }) } });

beforeEach(() => {
  warnings.length = 0;
});

/** Every window from one of `bounds` to a later one, shifted onto, just off and between scrapes. */
function windowsUpTo(last: number): Array<{ from: number; to: number }> {
  const bounds = [0, 12, 150, last - 1, last, last + 1].flatMap((index) => [at(index) - 1, at(index), at(index) + WORKLOAD_INTERVAL / 2]);
  return bounds.flatMap((from) => bounds.filter((to) => to >= from).map((to) => ({ from, to })));
}

type Case = Pick<HistoryQuery, 'target' | 'tenant' | 'by'>;

const KILL_CASES: Case[] = CRASH_TARGETS.flatMap((target) => (['client', 'account'] as const).map((by) => ({ target, tenant: WORKLOAD_TENANTS[1], by })));

/** The store answers as the reference model of `scrapes` for every window up to scrape `last`. */
async function expectAgreement(store: HistoryStore, scrapes: readonly Scrape[], last: number, cases: readonly Case[]): Promise<void> {
  const reference = new ReferenceHistory(scrapes);
  for (const { from, to } of windowsUpTo(last)) {
    for (const query of cases.map((kind) => ({ ...kind, from, to }))) {
      expect(canonical(await store.query(query)), JSON.stringify(query)).toEqual(reference.counts(query));
    }
  }
}

/** Runs crash-writer.ts until it has written KILL_AFTER scrapes, then kill -9 it mid-write. */
async function runWriterAndKill(): Promise<{ lastAcknowledged: number; checkpointAnswers: unknown }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir.path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let lastAcknowledged = -1;
  let checkpointAnswers: unknown = null;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('answers ')) checkpointAnswers = JSON.parse(line.slice('answers '.length));
    if (line.startsWith('scraped ')) lastAcknowledged = Number(line.slice('scraped '.length));
    if (lastAcknowledged >= KILL_AFTER && child.signalCode === null) child.kill('SIGKILL');
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`crash-writer.ts ended on its own before ${KILL_AFTER} scrapes (needs tsx): ${stderr}`);
  return { lastAcknowledged, checkpointAnswers };
}

/** How many scrapes of `target` the store holds, knowing it holds `acknowledged` or one more. */
async function durableScrapes(store: HistoryStore, target: string, acknowledged: number): Promise<number> {
  const next = at(acknowledged);
  const sawNext = await Promise.all(WORKLOAD_TENANTS.map((tenant) => store.query({ target, tenant, from: next, to: next, by: 'client' })));
  return sawNext.some((rows) => rows.length > 0) ? acknowledged + 1 : acknowledged;
}

describe('crash safety', () => {
  it('after kill -9 during writes, reopens with every acknowledged scrape and the same answers, and carries on', async () => {
    const { lastAcknowledged, checkpointAnswers } = await runWriterAndKill();
    expect(checkpointAnswers).not.toBeNull();

    let store = await open();
    try {
      expect(await settledAnswers(store, CRASH_CHECKPOINT)).toEqual(checkpointAnswers);
      const written = await Promise.all(CRASH_TARGETS.map((target) => durableScrapes(store, target, lastAcknowledged + 1)));
      const history = CRASH_TARGETS.flatMap((target, index) => workloadScrapes(target, written[index] ?? 0));
      await expectAgreement(store, history, lastAcknowledged, KILL_CASES);

      // Sessions alive at the crash that are still alive keep their identity: nothing is counted twice.
      const more = 25;
      for (let step = 0; step < more; step++) {
        for (const [index, target] of CRASH_TARGETS.entries()) {
          const scrape = workloadScrape(target, (written[index] ?? 0) + step);
          await store.record(target, scrape.at, scrape.alive);
          history.push(scrape);
        }
      }
      await store.close();
      store = await open();
      await expectAgreement(store, history, lastAcknowledged + more, KILL_CASES);
    } finally {
      await store.close();
    }
  });
});

describe('a damaged segment tail', () => {
  const SCRAPES = 60;
  const TAIL_CASES: Case[] = [{ target: 'x', tenant: WORKLOAD_TENANTS[0], by: 'account' }];

  async function writeWorkload(): Promise<string> {
    const store = await open();
    for (const scrape of workloadScrapes('x', SCRAPES)) await store.record('x', scrape.at, scrape.alive);
    await store.close();
    const [targetDir] = await readdir(dir.path, { withFileTypes: true }).then((entries) => entries.filter((entry) => entry.isDirectory()));
    if (targetDir === undefined) throw new Error('no target directory written');
    const segments = (await readdir(join(dir.path, targetDir.name))).sort();
    expect(segments.length).toBeGreaterThan(1);
    return join(dir.path, targetDir.name, segments.at(-1) ?? '');
  }

  /** Reopens, checks the answers against the first `kept` scrapes, then records on and checks again. */
  async function expectRecoveredTo(kept: number): Promise<void> {
    const store = await open();
    try {
      const history = workloadScrapes('x', kept);
      await expectAgreement(store, history, kept - 1, TAIL_CASES);
      for (let index = kept; index < SCRAPES + 10; index++) {
        const scrape = workloadScrape('x', index);
        await store.record('x', scrape.at, scrape.alive);
        history.push(scrape);
      }
      await expectAgreement(store, history, SCRAPES + 9, TAIL_CASES);
    } finally {
      await store.close();
    }
  }

  it('cuts a torn last frame and keeps everything before it', async () => {
    const segment = await writeWorkload();
    const { size } = await stat(segment);
    await truncate(segment, size - 5);
    await expectRecoveredTo(SCRAPES - 1);
    expect(warnings.map(({ message }) => message)).toContain('history: cutting a damaged segment tail (a crash during a write)');
  });

  it('cuts a last frame whose bytes were garbled', async () => {
    const segment = await writeWorkload();
    const bytes = await readFile(segment);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0xff;
    await writeFile(segment, bytes);
    await expectRecoveredTo(SCRAPES - 1);
    expect(warnings).toHaveLength(1);
  });

  it('ignores garbage after the last intact frame', async () => {
    const segment = await writeWorkload();
    await appendFile(segment, Buffer.from('\u0007garbage-after-the-end'));
    // Scrapes recorded after reopening are read back too: the garbage was cut, not written behind.
    await expectRecoveredTo(SCRAPES);
    expect(warnings).toHaveLength(1);
  });
});
