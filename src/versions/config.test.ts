import { describe, expect, it } from 'vitest';
import { clientVersionsConfigSchema } from './config.js';

function issues(input: unknown): string[] {
  const result = clientVersionsConfigSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('client_versions config', () => {
  it('defaults to no rules and no policy', () => {
    expect(clientVersionsConfigSchema.parse({})).toEqual({ rules: [], policy: { clients: {} } });
  });

  it('accepts rules with both named groups and valid ranges', () => {
    const config = {
      rules: [{ column: 'client_info', pattern: '(?<client>[\\w-]+)/(?<version>[\\d.]+)' }],
      policy: { default: { full: '>=2' }, clients: { 'Node-MySQL-2': { full: '^3.14', partial: '>=3.0.0 <3.14.0 || 2.x' } } },
    };
    expect(issues(config)).toEqual([]);
  });

  it('names the key of a bad pattern, a missing group, an unknown column and a bad range', () => {
    expect(
      issues({
        rules: [
          { column: 'client_info', pattern: '(?<client>' },
          { column: 'module', pattern: '(?<client>\\w+) (\\S+)' },
          { column: 'program', pattern: '(?<client>a)(?<version>b)' },
        ],
        policy: { default: { full: 'latest' }, clients: { x: { partial: '' } } },
      }),
    ).toEqual([
      expect.stringMatching(/^rules\.0\.pattern: is not a regular expression: Invalid regular expression/),
      'rules.1.pattern: needs the named group (?<version>...)',
      expect.stringMatching(/^rules\.2\.column: /),
      'policy.default.full: "latest" is not a semver range such as ">=3.0.0", "^2.4" or "1.x || >=2.5.0 <3"',
      'policy.clients.x.partial: "" is not a semver range such as ">=3.0.0", "^2.4" or "1.x || >=2.5.0 <3"',
    ]);
  });

  it('finds groups however the pattern reaches them, and requires both', () => {
    expect(issues({ rules: [{ column: 'action', pattern: '^(?:(?<client>a)|b)(?<version>\\d)?$' }] })).toEqual([]);
    expect(issues({ rules: [{ column: 'action', pattern: 'client version' }] })).toEqual([
      'rules.0.pattern: needs the named groups (?<client>...) and (?<version>...)',
    ]);
  });

  it('rejects unknown keys', () => {
    expect(issues({ policy: { clients: {}, fallback: {} } })).toEqual([expect.stringMatching(/^policy: Unrecognized key/)]);
  });
});
