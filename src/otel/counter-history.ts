import type { Temporality } from './config.js';
import type { KeyedSeries } from './attribute-limit.js';

export interface TimedSeries extends KeyedSeries {
  /** Start of the interval the value covers, epoch milliseconds. */
  readonly startMs: number;
}

/**
 * One counter instrument across exports. The values it is given are totals since the counter
 * began (what /metrics shows); it turns them into OTLP points with a start time, as totals
 * (cumulative) or as increases since the previous export (delta). A value below the previous one
 * is a reset (a target removed and added again): a new start, and the whole value as the delta.
 * Attribute sets absent from an export are forgotten, so they cannot accumulate.
 */
export class CounterHistory {
  private previous = new Map<string, { readonly startMs: number; readonly value: number }>();
  private previousAt: number;

  /** `since`: when counting began (the counters' values are totals since about then). */
  constructor(since: number) {
    this.previousAt = since;
  }

  advance(series: readonly KeyedSeries[], now: number, temporality: Temporality): TimedSeries[] {
    const next = new Map<string, { startMs: number; value: number }>();
    const points = series.map((s): TimedSeries => {
      const before = this.previous.get(s.key);
      const continued = before !== undefined && s.value >= before.value;
      const startMs = continued ? before.startMs : this.previousAt;
      next.set(s.key, { startMs, value: s.value });
      if (temporality === 'cumulative') return { labels: s.labels, key: s.key, value: s.value, startMs };
      return { labels: s.labels, key: s.key, value: continued ? s.value - before.value : s.value, startMs: this.previousAt };
    });
    this.previous = next;
    this.previousAt = now;
    return points;
  }
}
