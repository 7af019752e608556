/** How long per-session work may hold the event loop before letting timers and requests in. */
const SLICE_MS = 8;
/** Items between clock reads: reading the clock per item would cost more than the check saves. */
const CHECK_EVERY = 1024;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Visits every item in order, yielding to the event loop whenever a slice has run SLICE_MS: at
 * 100k sessions and more, one synchronous pass would stall /metrics and the APIs for longer
 * than a scrape's budget allows.
 */
export async function forEachInSlices<T>(items: readonly T[], visit: (item: T) => void): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    visit(items[i]!);
    if (i % CHECK_EVERY === CHECK_EVERY - 1 && performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
