import { describe, expect, it } from 'vitest';
import { historyConfigSchema } from './config.js';

describe('historyConfigSchema', () => {
  it('defaults to ./data/history kept for 31 days', () => {
    expect(historyConfigSchema.parse(undefined)).toEqual({ path: './data/history', retentionMs: 31 * 86_400_000 });
    expect(historyConfigSchema.parse({})).toEqual({ path: './data/history', retentionMs: 31 * 86_400_000 });
  });

  it('reads a Prometheus-style retention', () => {
    expect(historyConfigSchema.parse({ path: '/var/lib/dbsession', retention: '1h30m' })).toEqual({
      path: '/var/lib/dbsession',
      retentionMs: 90 * 60_000,
    });
  });

  it.each(['31', 'soon', '0d', ''])('rejects retention %j, naming the field', (retention) => {
    const issues = historyConfigSchema.safeParse({ retention }).error?.issues ?? [];
    expect(issues.map((issue) => issue.path)).toEqual([['retention']]);
  });

  it('rejects unknown keys and an empty path', () => {
    expect(historyConfigSchema.safeParse({ retension: '1d' }).success).toBe(false);
    expect(historyConfigSchema.safeParse({ path: '' }).success).toBe(false);
  });
});
