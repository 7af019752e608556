import { describe, expect, it } from 'vitest';
import { forEachInSlices, runInSlices } from './time-slices.js';

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy, as per-session work is
  }
}

describe('forEachInSlices', () => {
  it('visits every item in order', async () => {
    const seen: number[] = [];
    await forEachInSlices(
      Array.from({ length: 5000 }, (_, i) => i),
      (i) => seen.push(i),
    );
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('lets other callbacks run while a long pass is under way', async () => {
    const items = Array.from({ length: 4096 }, (_, i) => i);
    let visited = 0;
    let visitedWhenOtherRan: number | null = null;
    setImmediate(() => (visitedWhenOtherRan = visited));
    await forEachInSlices(items, () => {
      visited++;
      spin(0.02);
    });
    expect(visitedWhenOtherRan).not.toBeNull();
    expect(visitedWhenOtherRan).toBeLessThan(items.length);
  });
});

describe('runInSlices', () => {
  it('lets other callbacks run between steps however few there are, each a sizeable piece of work', async () => {
    let done = 0;
    let doneWhenOtherRan: number | null = null;
    setImmediate(() => (doneWhenOtherRan = done));
    function* steps(): Generator<void, number> {
      for (let i = 0; i < 20; i++) {
        spin(2);
        done++;
        yield;
      }
      return done;
    }
    expect(await runInSlices(steps())).toBe(20);
    expect(doneWhenOtherRan).not.toBeNull();
    expect(doneWhenOtherRan).toBeLessThanOrEqual(3);
  });
});
