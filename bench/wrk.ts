import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

export const WRK = '/usr/bin/wrk';

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** What went wrong, as wrk counts it; "" when nothing did. */
  readonly errors: string;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk duration "${text}" not understood`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** Parses `wrk --latency` output: requests per second and the latency percentiles. */
export function parseWrk(output: string): WrkResult {
  const percentile = (p: string): number => {
    const match = new RegExp(`^\\s+${p}%\\s+(\\S+)$`, 'm').exec(output);
    if (!match) throw new Error(`wrk output has no ${p}% line:\n${output}`);
    return durationMs(match[1]!);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)$/m.exec(output);
  if (!rps) throw new Error(`wrk output has no Requests/sec:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const kinds = ['connect', 'read', 'write', 'timeout'].map((kind, i) => [kind, Number(socket?.[i + 1] ?? 0)] as const);
  const errors = [...(non2xx > 0 ? [`${non2xx} non-2xx`] : []), ...kinds.filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind} errors`)];
  return { requestsPerSecond: Number(rps[1]), p50Ms: percentile('50'), p99Ms: percentile('99'), errors: errors.join(', ') };
}

/** One wrk run: `connections` clients on one thread, as a Prometheus server scraping is one client. */
export async function runWrk(url: string, seconds: number, connections: number): Promise<WrkResult> {
  if (!existsSync(WRK)) throw new Error(`${WRK} is missing (apt-get install wrk)`);
  const { stdout } = await promisify(execFile)(WRK, ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s', url]);
  return parseWrk(stdout);
}
