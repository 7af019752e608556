import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, parseConfig } from './load.js';

function errorOf(text: string): string {
  try {
    parseConfig(text, 'c.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  afterEach(() => {
    delete process.env.DBSESSION_TEST_PASSWORD;
  });

  it('reads the issue example with durations and defaults', () => {
    const config = parseConfig(
      [
        'scrape_interval: 30s',
        'scrape_timeout: 10s',
        'targets:',
        '  - name: ob-prod',
        '    url: mysql://monitor@10.0.0.5:2881',
        '    password_file: /run/secrets/ob',
        '    flavor: oceanbase',
        '    tenants: [t1, t2]',
        'labels:',
        '  max_clients_per_tenant: 10',
      ].join('\n'),
      'c.yml',
    );
    expect(config.scrape_interval).toBe(30_000);
    expect(config.targets[0]).toMatchObject({ name: 'ob-prod', flavor: 'oceanbase', tenants: ['t1', 't2'] });
    expect(config.labels.max_clients_per_tenant).toBe(10);
    expect(config.labels.max_dbs_per_tenant).toBe(50);
  });

  it('defaults to the local server', () => {
    expect(defaultConfig().targets).toEqual([
      expect.objectContaining({ name: 'local', url: 'mysql://root@127.0.0.1:3306', flavor: 'auto' }),
    ]);
  });

  it('names the bad key and its line', () => {
    const message = errorOf(['targets:', '  - name: a', '    url: mysql://u@h', '    flavor: oracle'].join('\n'));
    expect(message).toMatch(/^c\.yml:4: targets\[0\]\.flavor: /);
  });

  it('names unknown keys', () => {
    expect(errorOf('scrape_intervall: 15s')).toMatch(/c\.yml:1: .*scrape_intervall/);
  });

  it('refuses a password inside the url without echoing it', () => {
    const message = errorOf(['targets:', '  - name: a', '    url: mysql://u:hunter2@h:3306'].join('\n'));
    expect(message).toMatch(/c\.yml:3: targets\[0\]\.url: must not contain a password/);
    expect(message).not.toContain('hunter2');
  });

  it('expands ${ENV} in password only', () => {
    process.env.DBSESSION_TEST_PASSWORD = 's3cret';
    const config = parseConfig(
      ['targets:', '  - name: a', '    url: mysql://u@h', '    password: ${DBSESSION_TEST_PASSWORD}'].join('\n'),
      'c.yml',
    );
    expect(config.targets[0]?.password).toBe('s3cret');
    expect(errorOf(['targets:', '  - name: a', '    url: mysql://u@h', '    password: ${NOPE_NOT_SET}'].join('\n'))).toMatch(
      /environment variable NOPE_NOT_SET is not set/,
    );
  });

  it('refuses bad durations, a timeout above the interval and duplicate names', () => {
    expect(errorOf('scrape_interval: soon')).toMatch(/c\.yml:1: scrape_interval: "soon" is not a duration/);
    expect(errorOf('scrape_interval: 5s\nscrape_timeout: 10s')).toMatch(/scrape_timeout: must not be longer/);
    expect(errorOf(['targets:', '  - {name: a, url: "mysql://u@h"}', '  - {name: a, url: "mysql://u@h"}'].join('\n'))).toMatch(
      /c\.yml:3: targets\[1\]\.name: duplicate target name/,
    );
  });

  it('reports YAML syntax errors with a line', () => {
    expect(errorOf('targets:\n  - name: [a\n')).toMatch(/^c\.yml:\d+: invalid YAML/);
  });
});
