import type { Series } from '../views/session-series.js';

/** A metric family header in the Prometheus text format, which OpenMetrics shares for gauges. */
export function familyHeader(name: string, help: string, type: 'gauge' | 'counter'): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}`;
}

const escapeLabelValue = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

const rendered = new WeakMap<readonly Series[], string>();

/**
 * The sample lines of `series` (no header), one per series, without a trailing newline. Series
 * arrays are built once per snapshot and never change, so each is rendered once and kept as long
 * as it lives: /metrics then costs a concatenation, whatever the number of tenants.
 */
export function sampleLines(name: string, series: readonly Series[]): string {
  let text = rendered.get(series);
  if (text === undefined) {
    text = series
      .map(({ labels, value }) => {
        const pairs = Object.entries(labels).map(([label, v]) => `${label}="${escapeLabelValue(v)}"`);
        return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`;
      })
      .join('\n');
    rendered.set(series, text);
  }
  return text;
}
