import { describe, expect, it } from 'vitest';
import { releaseOf, SupportPolicy } from './support-policy.js';

describe('releaseOf', () => {
  it('reads the release from loose driver versions', () => {
    const cases: [string, string | null][] = [
      ['3.14.2', '3.14.2'],
      ['8.0.33-commercial', '8.0.33'],
      ['5.5.0-release-1234', '5.5.0'],
      ['8.0.33+build.7', '8.0.33'],
      ['10.11', '10.11.0'],
      ['v3', '3.0.0'],
      ['mysqlnd 8.1.2-dev', '8.1.2'],
      ['1.2.3.4', '1.2.3'],
      ['beta', null],
    ];
    for (const [version, release] of cases) expect(releaseOf(version)?.version ?? null, version).toBe(release);
  });
});

describe('SupportPolicy', () => {
  const policy = new SupportPolicy({
    default: { full: '>=6.0.0', partial: '>=5.5.0 <6.0.0' },
    clients: {
      'Node-MySQL-2': { full: '>=3.14.0', partial: '^3.0.0' },
      retired: {},
    },
  });

  it('places versions of a named client in full, partial or none', () => {
    expect(policy.supportOf('Node-MySQL-2', '3.15.1')).toBe('full');
    expect(policy.supportOf('Node-MySQL-2', '3.14.0')).toBe('full');
    expect(policy.supportOf('Node-MySQL-2', '3.2.0')).toBe('partial');
    expect(policy.supportOf('Node-MySQL-2', '2.9.9')).toBe('none');
  });

  it('judges the seed example versions by their release, under the default policy', () => {
    expect(policy.supportOf('appgate', '6.0.0-release-1234')).toBe('full');
    expect(policy.supportOf('appgate', '5.5.0-release-1234')).toBe('partial');
    expect(policy.supportOf('appgate', '5.4.1-release-1234')).toBe('none');
  });

  it('makes every version of a client with an empty policy none', () => {
    expect(policy.supportOf('retired', '99.0.0')).toBe('none');
  });

  it('answers unknown without a client, a version, a number in the version or a policy', () => {
    expect(policy.supportOf('unknown', '3.0.0')).toBe('unknown');
    expect(policy.supportOf('Node-MySQL-2', 'unknown')).toBe('unknown');
    expect(policy.supportOf('Node-MySQL-2', 'nightly')).toBe('unknown');
    const named = new SupportPolicy({ clients: { a: { full: '*' } } });
    expect(named.supportOf('b', '1.0.0')).toBe('unknown');
    expect(named.supportOf('a', '1.0.0')).toBe('full');
  });
});
