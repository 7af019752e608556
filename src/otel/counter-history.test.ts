import { describe, expect, it } from 'vitest';
import { withKey } from './attribute-limit.js';
import { CounterHistory } from './counter-history.js';

const total = (user: string, value: number) => withKey({ labels: { user }, value });
const brief = (points: ReturnType<CounterHistory['advance']>) => points.map((p) => [p.labels.user, p.startMs, p.value]);

describe('CounterHistory', () => {
  it('cumulative: totals with the start of counting, a new start after a reset', () => {
    const history = new CounterHistory(1000);
    expect(brief(history.advance([total('a', 2)], 2000, 'cumulative'))).toEqual([['a', 1000, 2]]);
    expect(brief(history.advance([total('a', 5), total('b', 1)], 3000, 'cumulative'))).toEqual([
      ['a', 1000, 5],
      ['b', 2000, 1],
    ]);
    expect(brief(history.advance([total('a', 1)], 4000, 'cumulative'))).toEqual([['a', 3000, 1]]);
  });

  it('delta: increases since the previous export, each over its own interval', () => {
    const history = new CounterHistory(1000);
    expect(brief(history.advance([total('a', 2)], 2000, 'delta'))).toEqual([['a', 1000, 2]]);
    expect(brief(history.advance([total('a', 5), total('b', 1)], 3000, 'delta'))).toEqual([
      ['a', 2000, 3],
      ['b', 2000, 1],
    ]);
    expect(brief(history.advance([total('a', 5)], 4000, 'delta'))).toEqual([['a', 3000, 0]]);
    // Reset: the whole new value happened since the previous export.
    expect(brief(history.advance([total('a', 1)], 5000, 'delta'))).toEqual([['a', 4000, 1]]);
  });

  it('forgets attribute sets that are gone: one coming back starts afresh', () => {
    const history = new CounterHistory(0);
    history.advance([total('a', 4)], 1000, 'delta');
    history.advance([], 2000, 'delta');
    expect(brief(history.advance([total('a', 4)], 3000, 'delta'))).toEqual([['a', 2000, 4]]);
  });

  it('deltas add up to the final total whatever the sequence of increases', () => {
    const history = new CounterHistory(0);
    const totals = [0, 3, 3, 10, 11, 40];
    const deltas = totals.map((value, i) => history.advance([total('a', value)], (i + 1) * 1000, 'delta')[0]!.value);
    expect(deltas.reduce((a, b) => a + b, 0)).toBe(40);
  });
});
