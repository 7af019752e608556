import { forEachInSlices } from '../event-loop/time-slices.js';
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
 * as it lives: /metrics then costs a concatenation, whatever the number of tenants. The first
 * rendering of a large snapshot's (tens of thousands of lines, over 100 ms) yields to the event
 * loop as it goes, so the APIs are not held up meanwhile.
 */
export async function sampleLines(name: string, series: readonly Series[]): Promise<string> {
  let text = rendered.get(series);
  if (text === undefined) {
    const lines: string[] = [];
    await forEachInSlices(series, ({ labels, value }) => void lines.push(`${name}${labelSet(labels)} ${formatValue(value)}`));
    text = lines.join('\n');
    rendered.set(series, text);
  }
  return text;
}
