import type { GroupBy, HistoryStore } from '../../src/history/store.js';
import { WORKLOAD_TENANTS, settledWindows } from './workload.js';

export const CRASH_TARGETS = ['x', 'y'] as const;
export const CRASH_CHECKPOINT = 150;

/** The answers to every settled window before scrape `upTo`, for every target, tenant and grouping. */
export async function settledAnswers(store: HistoryStore, upTo: number): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const { from, to } of settledWindows(upTo)) {
    for (const target of CRASH_TARGETS) {
      for (const tenant of WORKLOAD_TENANTS) {
        for (const by of ['client', 'account'] satisfies GroupBy[]) answers.push(await store.query({ target, tenant, from, to, by }));
      }
    }
  }
  return answers;
}
