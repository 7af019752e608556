import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openHistoryStore, type GroupBy, type HistoryStore } from '../../src/history/store.js';
import { canonical, ReferenceHistory, type Scrape } from './reference-model.js';
import { temporaryDirectory } from './temporary-directory.js';
import { DAY, MINUTE } from './workload.js';

const TARGETS = ['east', 'west'];
const TENANTS = ['t1', 't2'];
const DBS = ['', 'a', 'b'];

interface Step {
  target: string;
  gap: number;
  alive: Array<{ key: number; tenant: string; db: string; user: string; ip: string }>;
  reopenBefore: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  target: fc.constantFrom(...TARGETS),
  // From a minute to eleven hours: runs cross several UTC days, so several segments.
  gap: fc.integer({ min: MINUTE, max: 11 * 60 * MINUTE }),
  alive: fc.uniqueArray(
    fc.record({
      key: fc.integer({ min: 0, max: 9 }),
      tenant: fc.constantFrom(...TENANTS),
      db: fc.constantFrom(...DBS),
      user: fc.constantFrom('u1', 'u2'),
      ip: fc.constantFrom('10.0.0.1', '10.0.0.2', '::1'),
    }),
    { selector: (session) => session.key, maxLength: 6 },
  ),
  reopenBefore: fc.integer({ min: 0, max: 7 }).map((roll) => roll === 0),
});

/** A window bound near a scrape: on it, just before or after it, or halfway to the next. */
const bound = fc.record({ index: fc.nat(), shift: fc.constantFrom(-1, 0, 1, 0.5 * DAY, -30 * MINUTE) });

describe('the store agrees with the reference model', () => {
  it('on random scrapes with restarts, for windows around every kind of boundary', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.array(fc.record({ from: bound, to: bound, by: fc.constantFrom<GroupBy>('client', 'account'), dbs: fc.option(fc.subarray(DBS)) }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (steps, windows) => {
          const dir = await temporaryDirectory();
          const open = () => openHistoryStore({ path: dir.path, retentionMs: 365 * DAY, sync: false });
          let store: HistoryStore = await open();
          try {
            const scrapes = toScrapes(steps);
            for (const [index, scrape] of scrapes.entries()) {
              if (steps[index]?.reopenBefore === true) {
                await store.close();
                store = await open();
              }
              await store.record(scrape.target, scrape.at, scrape.alive);
            }
            const reference = new ReferenceHistory(scrapes);
            for (const window of windows) {
              const from = instant(scrapes, window.from);
              const to = instant(scrapes, window.to);
              for (const target of TARGETS) {
                for (const tenant of TENANTS) {
                  const query = { target, tenant, from, to, by: window.by, ...(window.dbs === null ? {} : { dbs: window.dbs }) };
                  expect(canonical(await store.query(query))).toEqual(reference.counts(query));
                }
              }
            }
          } finally {
            await store.close();
            await dir.remove();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

function toScrapes(steps: readonly Step[]): Scrape[] {
  let at = Date.UTC(2024, 2, 1, 20, 0);
  return steps.map(({ target, gap, alive }) => {
    at += gap;
    return {
      target,
      at,
      alive: alive.map(({ key, tenant, db, user, ip }) => ({ key: `10.1.1.1|2881|${key}`, tenant, db, user, client_ip: ip })),
    };
  });
}

function instant(scrapes: readonly Scrape[], { index, shift }: { index: number; shift: number }): number {
  return (scrapes[index % scrapes.length]?.at ?? 0) + shift;
}
