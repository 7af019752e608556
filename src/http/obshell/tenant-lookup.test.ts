import { describe, expect, it } from 'vitest';
import type { TargetView } from '../../scrape/target-view.js';
import type { TargetSnapshot } from '../../snapshot/snapshot.js';
import { ObshellError } from './errors.js';
import { locateTenant } from './tenant-lookup.js';

function view(name: string, tenants: readonly string[] | null): TargetView {
  const snapshot: TargetSnapshot | null =
    tenants === null
      ? null
      : {
          target: name,
          flavor: 'oceanbase',
          takenAt: 0,
          tenants: tenants.map((t) => ({ name: t, id: null, connectionLimit: null, locked: false })),
          databases: [],
          sessions: [],
          groups: [],
          firstSeen: new Map(),
          started: [],
          processPrivilege: null,
        };
  const status = { target: name, attempted: true, up: tenants !== null, lastDurationSeconds: 0, lastSuccessAt: 0, errors: 0, timeouts: 0, lastError: null };
  return { name, status, snapshot, lastSnapshotAt: 0 };
}

function failure(run: () => unknown): ObshellError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ObshellError);
    return error as ObshellError;
  }
  throw new Error('expected an ObshellError');
}

const TARGETS = [view('ob-a', ['sys', 't1']), view('ob-b', ['sys', 't2']), view('ob-down', null)];

describe('locateTenant', () => {
  it('finds a tenant that one target holds, even while another is down', () => {
    expect(locateTenant(TARGETS, 't1', undefined).target).toBe('ob-a');
    expect(locateTenant(TARGETS, 't2', 'ob-b').target).toBe('ob-b');
  });

  it('asks for the target when the name is in several, listing them', () => {
    const error = failure(() => locateTenant(TARGETS, 'sys', undefined));
    expect(error).toMatchObject({ status: 400, errCode: 'Common.IllegalArgument' });
    expect(error.message).toContain('ob-a, ob-b');
    expect(locateTenant(TARGETS, 'sys', 'ob-b').target).toBe('ob-b');
  });

  it('says unavailable rather than unknown while a target that might hold it is down', () => {
    expect(failure(() => locateTenant(TARGETS, 'nope', undefined))).toMatchObject({ status: 503, errCode: 'Common.DataUnavailable' });
    expect(failure(() => locateTenant(TARGETS, 't1', 'ob-down'))).toMatchObject({ status: 503 });
  });

  it('says the tenant does not exist when every target is up', () => {
    const up = TARGETS.slice(0, 2);
    expect(failure(() => locateTenant(up, 'nope', undefined))).toMatchObject({ status: 400, errCode: 'OB.Tenant.NotExist', message: "Tenant 'nope' does not exist." });
    expect(failure(() => locateTenant(up, 't2', 'ob-a'))).toMatchObject({ status: 400, errCode: 'OB.Tenant.NotExist' });
  });

  it('rejects an unknown target, listing the configured ones', () => {
    const error = failure(() => locateTenant(TARGETS, 't1', 'ob-x'));
    expect(error).toMatchObject({ status: 400, errCode: 'Common.IllegalArgument' });
    expect(error.message).toContain('ob-a, ob-b, ob-down');
  });
});
