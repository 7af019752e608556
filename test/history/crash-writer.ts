/**
 * Child process of crash.test.ts: writes the deterministic workload to two targets as fast as it
 * can until it is killed, printing `scraped <index>` once both targets' scrape is recorded, and
 * once the settled windows' answers at scrape CHECKPOINT.
 */
import { openHistoryStore, type HistoryStore } from '../../src/history/store.js';
import { CRASH_CHECKPOINT, CRASH_TARGETS, settledAnswers } from './crash-answers.js';
import { DAY, workloadScrape } from './workload.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: crash-writer.ts <store path>');
const store: HistoryStore = await openHistoryStore({ path, retentionMs: 365 * DAY });
for (let index = 0; ; index++) {
  for (const target of CRASH_TARGETS) {
    const scrape = workloadScrape(target, index);
    await store.record(target, scrape.at, scrape.alive);
  }
  if (index === CRASH_CHECKPOINT) process.stdout.write(`answers ${JSON.stringify(await settledAnswers(store, CRASH_CHECKPOINT))}\n`);
  process.stdout.write(`scraped ${index}\n`);
}
