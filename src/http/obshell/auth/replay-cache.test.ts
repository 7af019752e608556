import { describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';

describe('ReplayCache', () => {
  it('remembers a key until it expires', () => {
    const cache = new ReplayCache(10);
    cache.add('a', 2000, 1000);
    expect(cache.has('a', 1999)).toBe(true);
    expect(cache.has('a', 2000)).toBe(false);
    expect(cache.has('b', 1000)).toBe(false);
  });

  it('never holds more than its bound', () => {
    const cache = new ReplayCache(100);
    for (let i = 0; i < 1000; i++) cache.add(`k${i}`, 1_000_000, 0);
    expect(cache.size).toBe(100);
  });

  it('evicts expired entries before live ones when full', () => {
    const cache = new ReplayCache(3);
    cache.add('live-old', 10_000, 0);
    cache.add('expiring', 500, 0);
    cache.add('live', 10_000, 0);
    cache.add('new', 10_000, 1000);
    expect(cache.size).toBe(3);
    expect(['live-old', 'live', 'new'].map((key) => cache.has(key, 1000))).toEqual([true, true, true]);
  });

  it('evicts the oldest entry when nothing has expired', () => {
    const cache = new ReplayCache(2);
    cache.add('first', 10_000, 0);
    cache.add('second', 10_000, 0);
    cache.add('third', 10_000, 0);
    expect(cache.has('first', 1)).toBe(false);
    expect(cache.has('second', 1)).toBe(true);
    expect(cache.has('third', 1)).toBe(true);
  });

  it('sweeps again once a later-added entry expires', () => {
    const cache = new ReplayCache(2);
    cache.add('long', 100_000, 0);
    cache.add('short-lived', 2000, 1000);
    cache.add('newest', 100_000, 3000);
    expect(cache.has('long', 3000)).toBe(true);
    expect(cache.has('newest', 3000)).toBe(true);
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() => new ReplayCache(0)).toThrow(RangeError);
  });
});
