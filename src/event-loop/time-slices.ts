/** How long per-session work may hold the event loop before letting timers and requests in. */
const SLICE_MS = 4;
/** Calls between clock reads: reading the clock per item would cost more than the check saves. */
const CHECK_EVERY = 256;

/**
 * Tells long per-item work when it has held the event loop for a slice. At 100k sessions and
 * more, one synchronous pass would stall /metrics and the APIs far longer than they may wait.
 */
export class TimeSlice {
  private started = performance.now();
  private calls = 0;

  /** Whether the current slice is used up; call once per item. */
  due(): boolean {
    if (++this.calls % CHECK_EVERY !== 0) return false;
    return performance.now() - this.started >= SLICE_MS;
  }

  restart(): void {
    this.started = performance.now();
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Visits every item in order, yielding to the event loop whenever a slice is used up. */
export async function forEachInSlices<T>(items: readonly T[], visit: (item: T) => void): Promise<void> {
  const slice = new TimeSlice();
  for (const item of items) {
    visit(item);
    if (slice.due()) {
      await nextTurn();
      slice.restart();
    }
  }
}

/** Runs steps (a generator that yields between units of work) to the end at once. */
export function runAtOnce<T>(steps: Iterator<unknown, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs steps to the end, yielding to the event loop whenever a slice is used up. */
export async function runInSlices<T>(steps: Iterator<unknown, T>): Promise<T> {
  const slice = new TimeSlice();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (slice.due()) {
      await nextTurn();
      slice.restart();
    }
  }
}
