import { describe, expect, it } from 'vitest';
import { metricNamesIn } from './metrics-contract.js';

describe('metricNamesIn', () => {
  it('finds selected metrics and skips functions, keywords, labels, ranges and variables', () => {
    const expr =
      'sum by (tenant) (rate(a_total{x="b{c}"}[$__rate_interval])) / on (target) group_left () ' +
      '(b > 0) and c offset 15m unless max_over_time(d[1h]) > 3 * topk(10, e{target=~"$target"})';
    expect(metricNamesIn(expr).sort()).toEqual(['a_total', 'b', 'c', 'd', 'e']);
  });

  it('reads multi-line expressions', () => {
    expect(metricNamesIn('x{client_ip!="other"} > 50\nand\ny > 3 * max_over_time(x[1h] offset 15m)')).toEqual(['x', 'y']);
  });
});
