import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './failure-limiter.js';

describe('FailureLimiter', () => {
  it('allows the configured number of failures, then asks the client to wait', () => {
    const limiter = new FailureLimiter({ failures: 3, perMs: 3000 });
    const exhausted = [1, 2, 3].map(() => limiter.recordFailure('10.0.0.1', 0));
    expect(exhausted).toEqual([false, false, true]);
    expect(limiter.retryAfterMs('10.0.0.1', 0)).toBe(1000);
    expect(limiter.retryAfterMs('10.0.0.1', 1000)).toBe(0);
  });

  it('keeps clients apart', () => {
    const limiter = new FailureLimiter({ failures: 1, perMs: 1000 });
    limiter.recordFailure('10.0.0.1', 0);
    expect(limiter.retryAfterMs('10.0.0.1', 0)).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('10.0.0.2', 0)).toBe(0);
  });

  it('refills to capacity and no further', () => {
    const limiter = new FailureLimiter({ failures: 2, perMs: 1000 });
    limiter.recordFailure('c', 0);
    expect(limiter.recordFailure('c', 1_000_000)).toBe(false);
    expect(limiter.recordFailure('c', 1_000_000)).toBe(true);
  });

  it('forgets the quietest client when it tracks too many', () => {
    const limiter = new FailureLimiter({ failures: 1, perMs: 60_000 }, 2);
    for (const client of ['a', 'b', 'c']) limiter.recordFailure(client, 0);
    expect(limiter.retryAfterMs('a', 0)).toBe(0);
    expect(limiter.retryAfterMs('c', 0)).toBeGreaterThan(0);
  });

  it('rejects a limit that could never allow an attempt', () => {
    expect(() => new FailureLimiter({ failures: 0, perMs: 1000 })).toThrow(RangeError);
  });
});
