import type { ObservedSession } from '../../src/history/store.js';
import type { Scrape } from './reference-model.js';

export const MINUTE = 60_000;
export const DAY = 86_400_000;
/** Late in a UTC day, so a short run already crosses midnight into a second segment. */
export const WORKLOAD_START = Date.UTC(2024, 0, 1, 22, 0);
export const WORKLOAD_INTERVAL = 10 * MINUTE;
export const WORKLOAD_TENANTS = ['sys', 'shop', 'hr'] as const;
export const WORKLOAD_DBS = ['', 'app', 'shop', 'hr', 'logs'] as const;

const STARTS_PER_SCRAPE = 3;
const LONGEST_LIFE = 500;

/**
 * Scrape `index` of a deterministic workload, a pure function of the index so that a killed
 * writer and the test that checks it agree on what was written: three sessions start per
 * scrape, most live 1 to 40 scrapes, every 97th lives 500; sessions wander between schemas.
 */
export function workloadScrape(target: string, index: number): Scrape {
  const alive: ObservedSession[] = [];
  for (let id = Math.max(0, (index - LONGEST_LIFE) * STARTS_PER_SCRAPE); id < (index + 1) * STARTS_PER_SCRAPE; id++) {
    const start = Math.floor(id / STARTS_PER_SCRAPE);
    const h = hash(id);
    const life = id % 97 === 0 ? LONGEST_LIFE : 1 + (h % 40);
    if (index < start || index > start + life) continue;
    alive.push({
      key: `10.0.0.${id % 4}|2881|${id}`,
      tenant: pick(WORKLOAD_TENANTS, h),
      db: pick(WORKLOAD_DBS, h + Math.floor((index - start) / 7)),
      user: `user${h % 7}`,
      client_ip: `192.168.${h % 3}.${h % 23}`,
    });
  }
  return { target, at: WORKLOAD_START + index * WORKLOAD_INTERVAL, alive };
}

export function workloadScrapes(target: string, count: number): Scrape[] {
  return Array.from({ length: count }, (_, index) => workloadScrape(target, index));
}

function hash(value: number): number {
  let h = Math.imul(value ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function pick<T>(values: readonly T[], index: number): T {
  const value = values[index % values.length];
  if (value === undefined) throw new Error('empty list');
  return value;
}


/**
 * Windows that end before scrape `upTo` of the workload, so their answers are final once that
 * scrape is written: crash tests ask them before and after a kill.
 */
export function settledWindows(upTo: number): Array<{ from: number; to: number }> {
  const at = (index: number) => WORKLOAD_START + index * WORKLOAD_INTERVAL;
  const windows = [
    { from: at(0), to: at(upTo - 1) },
    { from: at(0) - DAY, to: at(0) },
    { from: at(upTo - 2) + 1, to: at(upTo - 1) - 1 },
  ];
  for (let first = 0; first + 40 < upTo; first += 17) windows.push({ from: at(first) - MINUTE, to: at(first + 30) + MINUTE });
  return windows;
}
