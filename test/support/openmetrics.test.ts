import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { lintOpenMetrics } from './openmetrics.js';

const VALID = `# HELP app_errors Failed requests.
# TYPE app_errors counter
app_errors_total{target="a"} 3
app_errors_total{target="b\\\\c \\"d\\"\\ne"} 0
# HELP app_up Whether it is up.
# TYPE app_up gauge
app_up 1
app_up{x="y"} NaN
# TYPE app_seconds gauge
# UNIT app_seconds seconds
app_seconds +Inf
# EOF
`;

/** VALID with one line replaced or inserted: each case breaks one rule. */
const broken = (from: string, to: string) => {
  if (!VALID.includes(from)) throw new Error(`not in VALID: ${from}`);
  return VALID.replace(from, to);
};

describe('lintOpenMetrics', () => {
  it('accepts a valid body, with or without the final newline', () => {
    expect(lintOpenMetrics(VALID)).toEqual([]);
    expect(lintOpenMetrics(VALID.trimEnd())).toEqual([]);
  });

  it('accepts what prom-client writes in OpenMetrics, every metric type', async () => {
    const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    new Counter({ name: 'c_total', help: 'c', labelNames: ['l'], registers: [registry] }).inc({ l: 'a"b' }, 2);
    new Gauge({ name: 'g', help: 'g', registers: [registry] }).set(-1.5e-7);
    new Histogram({ name: 'h', help: 'h', buckets: [1, 2], registers: [registry] }).observe(1.5);
    new Summary({ name: 's', help: 's', percentiles: [0.5], registers: [registry] }).observe(3);
    expect(lintOpenMetrics(await registry.metrics())).toEqual([]);
  });

  it.each([
    ['no # EOF', VALID.replace('# EOF\n', ''), /does not end with "# EOF"/],
    ['# EOF twice', VALID + '# EOF\n', /# EOF before the end/],
    ['a blank line', broken('app_up 1\n', 'app_up 1\n\n'), /not a sample line/],
    ['_total in the TYPE name', broken('# TYPE app_errors counter', '# TYPE app_errors_total counter'), /ends with a suffix its samples add/],
    ['a counter sample without _total', broken('app_errors_total{target="a"} 3', 'app_errors{target="a"} 3'), /sample app_errors outside its family/],
    ['a negative counter', broken('{target="a"} 3', '{target="a"} -3'), /below zero/],
    ['an unknown type', broken('# TYPE app_up gauge', '# TYPE app_up gauges'), /unknown type gauges/],
    ['a second TYPE', broken('# TYPE app_up gauge', '# TYPE app_up gauge\n# TYPE app_up gauge'), /a second TYPE/],
    ['HELP after samples', broken('app_seconds +Inf', 'app_seconds +Inf\n# HELP app_seconds late'), /HELP after the family's samples/],
    ['an interleaved family', broken('app_up{x="y"} NaN', 'app_errors_total{target="c"} 1'), /outside its family/],
    ['a family twice', VALID.replace('# EOF', '# TYPE app_up gauge\napp_up 2\n# EOF'), /family app_up appears twice/],
    ['the same series twice', broken('app_up 1', 'app_up 1\napp_up 2'), /the same series twice/],
    ['a bad label escape', broken('{x="y"}', '{x="y\\t"}'), /malformed labels/],
    ['a repeated label', broken('{x="y"}', '{x="y",x="z"}'), /malformed labels/],
    ['a bad value', broken('app_up 1', 'app_up one'), /not a number/],
    ['a stray comment', broken('app_up 1', '# just saying\napp_up 1'), /not a HELP, TYPE or UNIT line/],
    ['a unit the name lacks', broken('# UNIT app_seconds seconds', '# UNIT app_seconds bytes'), /does not end with its unit bytes/],
  ])('reports %s', (_case, body, problem) => {
    const problems = lintOpenMetrics(body);
    expect(problems.length, problems.join('\n')).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(problem);
  });
});
