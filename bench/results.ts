/** One line of the benchmark table: a figure, what it should be, and whether it is. */
export interface Figure {
  readonly name: string;
  readonly measured: string;
  /** Null for context lines that have no target of their own. */
  readonly target: string | null;
  readonly met: boolean | null;
}

export function printTable(figures: readonly Figure[], out: (line: string) => void = console.log): void {
  const rows = figures.map((f) => [f.name, f.measured, f.target ?? '-', f.met === null ? '-' : f.met ? 'yes' : 'NO']);
  const header = ['figure', 'measured', 'target', 'met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  out(line(header));
  out(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) out(line(row));
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

export const ms = (value: number): string => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
