import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';

const parse = (history: string) => parseConfig(`history:\n${history}`, 'c.yml').history;
const errorOf = (history: string) => {
  try {
    parse(history);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('parsed');
};

describe('the history section', () => {
  it('is off when absent', () => {
    expect(parseConfig('scrape_interval: 15s', 'c.yml').history).toBeUndefined();
  });

  it("turns the embedded store on with its defaults when empty, and parses the chart's default", () => {
    expect(parseConfig('history: {}', 'c.yml').history).toEqual({ mode: 'embedded', path: './data/history', retentionMs: 31 * 86_400_000 });
    expect(parse('  path: /var/lib/db-session-exporter\n  retention: 31d')).toEqual({
      mode: 'embedded',
      path: '/var/lib/db-session-exporter',
      retentionMs: 31 * 86_400_000,
    });
  });

  it('reads the Prometheus-backed mode, headers expanded from the environment, retention asked of the store unless set', () => {
    process.env['DBSS_TEST_TOKEN'] = 'secret';
    expect(parse('  prometheus_url: http://mimir:8080/prometheus/\n  prometheus_headers: {X-Scope-OrgID: team, Authorization: "Bearer ${DBSS_TEST_TOKEN}"}')).toEqual({
      mode: 'prometheus',
      url: 'http://mimir:8080/prometheus',
      headers: { 'X-Scope-OrgID': 'team', Authorization: 'Bearer secret' },
      retentionMs: null,
    });
    expect(parse('  prometheus_url: https://prom:9090\n  retention: 90d')).toMatchObject({ url: 'https://prom:9090', retentionMs: 90 * 86_400_000 });
  });

  it.each([
    ['  path: /data\n  prometheus_url: http://prom:9090', /c\.yml:2: history\.path: set path \(the embedded store\) or prometheus_url/],
    ['  prometheus_url: prom:9090', /history\.prometheus_url: must start with http/],
    ['  prometheus_url: not a url', /history\.prometheus_url: is not a URL/],
    ['  prometheus_url: http://admin:pw@prom:9090', /history\.prometheus_url: must not contain credentials/],
    ['  prometheus_url: http://prom:9090/?x=1', /history\.prometheus_url: must not have a query/],
    ['  prometheus_url: http://prom:9090\n  prometheus_headers: {"bad header": x}', /history\.prometheus_headers\.bad header: is not an HTTP header name/],
    ['  prometheus_url: http://prom:9090\n  prometheus_headers: {Authorization: "${DBSS_UNSET_VARIABLE}"}', /environment variable DBSS_UNSET_VARIABLE is not set/],
    ['  retention: 0d', /history\.retention: "0d" is not a duration/],
    ['  pth: /data', /history: Unrecognized key: "pth" \(history takes path and retention/],
    ['  prometheus_url: http://prom:9090\n  retension: 30d', /history: Unrecognized key: "retension"/],
  ])('refuses %j, naming the key', (history, message) => {
    expect(errorOf(history)).toMatch(message);
  });
});
