import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderedRows } from './ordered-rows.js';

const NAMES = ['orders', '', '10.0.0.2', 'Zeta', '10.0.0.10', 'éclair', 'stock'];

/** Distinct (db, dim) pairs with counts, as a query produces them. */
const pairs = (minSessions: number, maxSessions: number) =>
  fc.uniqueArray(fc.tuple(fc.nat({ max: NAMES.length - 1 }), fc.nat({ max: NAMES.length - 1 }), fc.integer({ min: minSessions, max: maxSessions })), {
    selector: ([db, dim]) => `${db},${dim}`,
  });

function plainSort(rows: ReadonlyArray<readonly [number, number, number]>) {
  return rows
    .map(([db, dim, sessions]) => ({ db: NAMES[db] ?? '', dim: NAMES[dim] ?? '', sessions }))
    .sort((a, b) => b.sessions - a.sessions || (a.db < b.db ? -1 : a.db > b.db ? 1 : 0) || (a.dim < b.dim ? -1 : a.dim > b.dim ? 1 : 0));
}

function sameOrder(rows: ReadonlyArray<readonly [number, number, number]>): void {
  const pairs = { forEach: (visit: (db: number, dim: number, sessions: number) => void) => rows.forEach(([db, dim, sessions]) => visit(db, dim, sessions)) };
  expect(orderedRows(pairs, NAMES, (db, dim, sessions) => ({ db, dim, sessions }))).toEqual(plainSort(rows));
}

describe('orderedRows', () => {
  it('orders most sessions first, then schema and client or user by code units', () => {
    fc.assert(fc.property(pairs(1, 1000), (rows) => sameOrder(rows)), { numRuns: 200 });
  });

  it('orders the same when counts are too large to pack into one number', () => {
    // With 7 names a count above 2^53 / 49 cannot be packed with two name ranks.
    fc.assert(fc.property(pairs(2 ** 50, 2 ** 52), (rows) => sameOrder(rows)), { numRuns: 100 });
  });

  it('returns nothing for nothing', () => {
    expect(orderedRows({ forEach: () => undefined }, [], (db, dim, sessions) => ({ db, dim, sessions }))).toEqual([]);
  });
});
