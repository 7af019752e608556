/** How long per-session work may hold the event loop before letting timers and requests in. */
const SLICE_MS = 4;
/** Items between clock reads: reading the clock per session would cost more than the check saves. */
const ITEMS_PER_CHECK = 256;

/**
 * Tells long per-item work when it has held the event loop for a slice. At 100k sessions and
 * more, one synchronous pass would stall /metrics and the APIs far longer than they may wait.
 */
export class TimeSlice {
  private started = performance.now();
  private calls = 0;

  /** `checkEvery`: calls between clock reads, 1 where each call may be a sizeable piece of work. */
  constructor(private readonly checkEvery = ITEMS_PER_CHECK) {}

  /** Whether the current slice is used up; call once per item. */
  due(): boolean {
    if (++this.calls % this.checkEvery !== 0) return false;
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

/**
 * Runs steps to the end, yielding to the event loop whenever a slice is used up. A step may be
 * a batch (a tenant's series, a few hundred sessions), so the clock is read after every one.
 */
export async function runInSlices<T>(steps: Iterator<unknown, T>): Promise<T> {
  const slice = new TimeSlice(1);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (slice.due()) {
      await nextTurn();
      slice.restart();
    }
  }
}
