import { describe, expect, it } from 'vitest';
import { CountTree } from './count-tree.js';

describe('CountTree', () => {
  it('counts at every level and sums paths by any key, in order of first appearance', () => {
    const tree = new CountTree();
    for (const [db, user, state] of [
      ['shop', 'app', 'SLEEP'],
      ['shop', 'app', 'ACTIVE'],
      ['dw', 'batch', 'SLEEP'],
      ['shop', 'app', 'SLEEP'],
      ['shop', 'admin', 'SLEEP'],
    ] as const) {
      tree.add(db).add(user).add(state);
    }
    expect(tree.counts()).toEqual(new Map([['shop', 4], ['dw', 1]]));
    expect(tree.sumBy(3, ([, , state = '']) => state)).toEqual(new Map([['SLEEP', 4], ['ACTIVE', 1]]));
    expect(tree.sumBy(3, (path) => path.join('/'))).toEqual(
      new Map([
        ['shop/app/SLEEP', 2],
        ['shop/app/ACTIVE', 1],
        ['shop/admin/SLEEP', 1],
        ['dw/batch/SLEEP', 1],
      ]),
    );
    expect(tree.sumBy(1, ([db = '']) => db)).toEqual(tree.counts());
  });

  it('has no paths when nothing was counted', () => {
    expect(new CountTree().counts()).toEqual(new Map());
    expect(new CountTree().sumBy(3, (path) => path.join('/'))).toEqual(new Map());
  });
});
