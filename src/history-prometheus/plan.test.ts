import { describe, expect, it } from 'vitest';
import type { Epoch } from './epochs.js';
import { chainEpochs, linkTerms } from './plan.js';

function epoch(instance: string, baseline: number, first: number, last: number): Epoch {
  return { source: { target: 'prod', instance, job: 'dbsession' }, baseline, first, last };
}

describe('chainEpochs', () => {
  it('is empty without runs', () => {
    expect(chainEpochs([], 100)).toEqual([]);
  });

  it('starts from the run up at the window start', () => {
    const run = epoch('a', 0, 5, 500);
    expect(chainEpochs([run], 100)).toEqual([{ kind: 'covering', epoch: run, resolve: 100 }]);
  });

  it('joins restarts of one exporter as gaps, each after the run before it', () => {
    const first = epoch('a', 0, 5, 200);
    const second = epoch('a', 250, 251, 400);
    const third = epoch('a', 420, 421, 600);
    expect(chainEpochs([third, first, second], 100)).toEqual([
      { kind: 'covering', epoch: first, resolve: 100 },
      { kind: 'gap', epoch: second, prior: { epoch: first, at: 200 } },
      { kind: 'gap', epoch: third, prior: { epoch: second, at: 400 } },
    ]);
  });

  it('begins with a gap when no run was up at the window start', () => {
    const late = epoch('a', 150, 151, 300);
    expect(chainEpochs([late], 100)).toEqual([{ kind: 'gap', epoch: late, prior: null }]);
  });

  it('counts each instant from one replica, switching to the one that lasts longer when the first stops', () => {
    const a = epoch('a', 0, 5, 300);
    const b = epoch('b', 10, 12, 600);
    const shorter = epoch('c', 20, 22, 250);
    expect(chainEpochs([a, b, shorter], 100)).toEqual([
      { kind: 'covering', epoch: b, resolve: 100 },
    ]);
    expect(chainEpochs([a, shorter, epoch('b', 200, 201, 600)], 100)).toEqual([
      { kind: 'covering', epoch: a, resolve: 100 },
      { kind: 'switch', epoch: epoch('b', 200, 201, 600), resolve: 300, prior: { epoch: a, at: 300 } },
    ]);
  });
});

describe('linkTerms', () => {
  const run = epoch('a', 1_000, 1_500, 9_000);
  const before = epoch('a', 0, 100, 900);
  const started = 'dbsession_sessions_started_total{target="prod",instance="a",job="dbsession",tenant="t1"}';
  const open = 'dbsession_open_sessions{target="prod",instance="a",job="dbsession",tenant="t1"}';
  const labels = 'on(target, tenant, db, user, client_ip)';

  it('covering: starts up to the last sample, minus those by the window start, plus the sessions open then', () => {
    expect(linkTerms({ kind: 'covering', epoch: run, at: 2_000 }, 't1', 'client_ip')).toEqual([
      { expr: `sum by (db, client_ip) (${started} @ 9.000)`, sign: 1 },
      { expr: `sum by (db, client_ip) (${started} @ 2.000)`, sign: -1 },
      { expr: `sum by (db, client_ip) (${open} @ 2.000)`, sign: 1 },
    ]);
  });

  it('gap: every start of the run, plus the baseline sessions the run before did not have open at its end', () => {
    const baseline = `(${open} @ 1.500 - ${labels} ${started} @ 1.500)`;
    expect(linkTerms({ kind: 'gap', epoch: run, prior: { epoch: before, at: 900 } }, 't1', 'user')).toEqual([
      { expr: `sum by (db, user) (${started} @ 9.000)`, sign: 1 },
      { expr: `sum by (db, user) (clamp_min((${baseline} - ${labels} ${open} @ 0.900) or ${labels} ${baseline}, 0))`, sign: 1 },
    ]);
    expect(linkTerms({ kind: 'gap', epoch: run, prior: null }, 't1', 'user')[1]).toEqual({
      expr: `sum by (db, user) (clamp_min(${baseline}, 0))`,
      sign: 1,
    });
  });

  it('switch: starts after the switch, plus sessions open at it that the other replica did not have', () => {
    const other = epoch('b', 0, 100, 3_000);
    const otherOpen = 'dbsession_open_sessions{target="prod",instance="b",job="dbsession",tenant="t1"}';
    expect(linkTerms({ kind: 'switch', epoch: run, at: 2_990, prior: { epoch: other, at: 3_000 } }, 't1', 'client_ip')).toEqual([
      { expr: `sum by (db, client_ip) (${started} @ 9.000)`, sign: 1 },
      { expr: `sum by (db, client_ip) (${started} @ 2.990)`, sign: -1 },
      { expr: `sum by (db, client_ip) (clamp_min((${open} @ 2.990 - ${labels} ${otherOpen} @ 3.000) or ${labels} ${open} @ 2.990, 0))`, sign: 1 },
    ]);
  });

  it('quotes label values as PromQL strings', () => {
    const odd = { ...run, source: { target: 'a"b\\c' } };
    expect(linkTerms({ kind: 'covering', epoch: odd, at: 2_000 }, 'x"y', 'user')[0]!.expr).toContain('{target="a\\"b\\\\c",tenant="x\\"y"}');
  });
});
