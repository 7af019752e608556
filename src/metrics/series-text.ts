import type { Series } from '../views/session-series.js';

/** A metric family header in the Prometheus text format, which OpenMetrics shares for gauges. */
export function familyHeader(name: string, help: string, type: 'gauge' | 'counter'): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}`;
}

const NEEDS_ESCAPE = /[\\\n"]/;
const escapeLabelValue = (value: string): string =>
  NEEDS_ESCAPE.test(value) ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : value;

function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

function labelSet(labels: Series['labels']): string {
  let text = '';
  for (const name in labels) text += `${text === '' ? '{' : ','}${name}="${escapeLabelValue(labels[name] ?? '')}"`;
  return text === '' ? '' : `${text}}`;
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
    text = series.map(({ labels, value }) => `${name}${labelSet(labels)} ${formatValue(value)}`).join('\n');
    rendered.set(series, text);
  }
  return text;
}
