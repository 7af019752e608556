import { HISTORY_METRICS } from '../metrics/history-metrics.js';
import { matchers, promString, PrometheusError, type Labels, type PrometheusClient, type Sample } from './client.js';

/**
 * One run of one exporter's started-sessions counters for a target, as Prometheus stored it:
 * from the exporter's baseline scrape until it stopped (or the window's end). The counters only
 * grow within a run; the next run starts them again from zero.
 */
export interface Epoch {
  /** The labels Prometheus gave the exporter's series (instance, job, external labels), target included. */
  readonly source: Labels;
  /** The exporter's baseline time (ms): the value of dbsession_history_baseline_timestamp_seconds. */
  readonly baseline: number;
  /** Times (ms) of the run's first stored sample, and of its last one up to the window's end. */
  readonly first: number;
  readonly last: number;
}

/** Searches are done with count probes over windows of this size and larger; raw samples are read only from a window this small. */
const PROBE_MS = 120_000;
/** Restarts of one exporter followed within one window: beyond this the window is refused. */
const MAX_EPOCHS = 200;

/**
 * Finding samples of one series (the baseline gauge of one exporter) without reading months of
 * raw samples: `count_over_time` probes, doubling then halving, narrow the search to one small
 * window, whose raw samples are then read.
 */
export class SeriesSamples {
  constructor(
    private readonly client: PrometheusClient,
    private readonly selector: string,
    private readonly signal: AbortSignal,
  ) {}

  /** The latest sample in (notBefore, at], or null. */
  async latest(at: number, notBefore: number): Promise<Sample | null> {
    let lo = Math.max(at - PROBE_MS, notBefore);
    let hi = at;
    if (!(await this.has(lo, hi))) {
      // Most often there is none at all (no earlier run): one probe over the whole range says so.
      if (lo <= notBefore || !(await this.has(notBefore, at))) return null;
      // Else widen to the first window that has one; the latest is in its older half.
      for (;;) {
        if (lo <= notBefore) return null;
        hi = lo;
        lo = Math.max(at - 2 * (at - lo), notBefore);
        if (await this.has(lo, hi)) break;
      }
      while (hi - lo > PROBE_MS) {
        const mid = Math.floor((lo + hi) / 2);
        if (await this.has(mid, hi)) lo = mid;
        else hi = mid;
      }
    }
    const samples = await this.raw(lo, hi);
    return samples.at(-1) ?? null;
  }

  /** The earliest sample in (after, until] that `accept` takes, or null. */
  async earliest(after: number, until: number, accept: (sample: Sample) => boolean): Promise<Sample | null> {
    let lo = after;
    while (lo < until) {
      let hi = Math.min(lo + PROBE_MS, until);
      if (!(await this.has(lo, hi))) {
        // None in (lo, hi]: widen to the first window that has one; the earliest is in its newer half.
        for (;;) {
          if (hi >= until) return null;
          lo = hi;
          hi = Math.min(after + 2 * (hi - after), until);
          if (await this.has(lo, hi)) break;
        }
        while (hi - lo > PROBE_MS) {
          const mid = Math.floor((lo + hi) / 2);
          if (await this.has(lo, mid)) hi = mid;
          else lo = mid;
        }
      }
      const samples = await this.raw(lo, hi);
      const found = samples.find(accept);
      if (found !== undefined) return found;
      lo = samples.at(-1)?.t ?? hi;
    }
    return null;
  }

  private async has(lo: number, hi: number): Promise<boolean> {
    return (await this.client.vector(`count_over_time(${this.selector}[${hi - lo}ms])`, hi, this.signal)).length > 0;
  }

  /** Samples in (lo, hi], oldest first. */
  private async raw(lo: number, hi: number): Promise<Sample[]> {
    const series = await this.client.matrix(`${this.selector}[${hi - lo}ms]`, hi, this.signal);
    return series.flatMap((s) => s.samples).sort((a, b) => a.t - b.t);
  }
}

/** The baseline gauge of one exporter for the target: the series `source` names. */
export function baselineSamples(client: PrometheusClient, source: Labels, signal: AbortSignal): SeriesSamples {
  return new SeriesSamples(client, `${HISTORY_METRICS.baseline}${matchers(source)}`, signal);
}

/**
 * Every run of every exporter that published samples for `target` in [from, to], walking each
 * exporter's baseline gauge back from `to` one run at a time until a run that began by `from`.
 * A run's samples are told from the previous run's by value, not time: the exporter's clock
 * (baseline) and Prometheus's (sample times) may differ a little.
 */
export async function findEpochs(client: PrometheusClient, target: string, from: number, to: number, signal: AbortSignal): Promise<Epoch[]> {
  const sources = await client.series(`${HISTORY_METRICS.baseline}{target=${promString(target)}}`, from, to, signal);
  const epochs: Epoch[] = [];
  for (const labels of sources) {
    const { __name__: _name, ...source } = labels;
    const samples = baselineSamples(client, source, signal);
    let at = to;
    for (;;) {
      const last = await samples.latest(at, from - 1);
      if (last === null) break;
      const baseline = Math.round(last.value * 1000);
      const sameRun = (sample: Sample) => Math.round(sample.value * 1000) === baseline;
      const first = (await samples.earliest(Math.min(baseline, last.t) - 1, last.t, sameRun)) ?? last;
      epochs.push({ source, baseline, first: first.t, last: last.t });
      if (epochs.length > MAX_EPOCHS) throw new PrometheusError(`more than ${MAX_EPOCHS} exporter restarts in the window: ask for a shorter one`);
      if (first.t <= from) break;
      at = first.t - 1;
    }
  }
  return epochs;
}
