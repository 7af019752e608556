import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['15s', 15_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['31d', 2_678_400_000],
    ['2w', 1_209_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 's', '1.5s', '-1s', '15 s', '1x'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
