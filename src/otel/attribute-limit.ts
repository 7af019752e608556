import type { Labels, Series } from '../views/session-series.js';

/** A series with a stable identity for its attribute set. */
export interface KeyedSeries extends Series {
  readonly key: string;
}

/** The OpenTelemetry SDK's attribute for the one point that stands for every point over the limit. */
export const OVERFLOW_ATTRIBUTE = 'otel.metric.overflow';
export const OVERFLOW_KEY = `${OVERFLOW_ATTRIBUTE}=true`;

export function withKey(series: Series): KeyedSeries {
  return { labels: series.labels, value: series.value, key: attributeKey(series.labels) };
}

/**
 * Identifies an attribute set within one instrument, whose series all come from one view that
 * builds its labels in one order (a native JSON.stringify is several times faster than sorting).
 */
export function attributeKey(labels: Labels): string {
  return JSON.stringify(labels);
}

export interface Limited {
  /** At most `limit - 1` points when over the limit, so that with the overflow point there are `limit`. */
  readonly kept: readonly KeyedSeries[];
  /** The points beyond the limit, to be folded into the overflow point. */
  readonly over: readonly KeyedSeries[];
}

/**
 * One instrument's cardinality limit. Attribute sets keep their place while they exist (first
 * come, first kept, as in the SDK), so that a cumulative point does not move in and out of the
 * overflow point from one export to the next; a set that vanished frees its place.
 */
export class AttributeLimit {
  private admitted = new Set<string>();

  apply(series: readonly KeyedSeries[], limit: number): Limited {
    if (series.length <= limit) {
      this.admitted = new Set(series.map((s) => s.key));
      return { kept: series, over: [] };
    }
    const present = new Set(series.map((s) => s.key));
    const room = limit - 1;
    const admitted = new Set([...this.admitted].filter((key) => present.has(key)).slice(0, room));
    for (const s of series) {
      if (admitted.size >= room) break;
      admitted.add(s.key);
    }
    this.admitted = admitted;
    return { kept: series.filter((s) => admitted.has(s.key)), over: series.filter((s) => !admitted.has(s.key)) };
  }
}
