import type { Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type DataPoint,
  type MetricData,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Logger } from '../logging/logger.js';
import type { StartedSessions } from '../metrics/started-sessions.js';
import type { SnapshotStore } from '../scrape/target-view.js';
import type { FoldingLimits } from '../views/session-series.js';
import { AttributeLimit, OVERFLOW_ATTRIBUTE, OVERFLOW_KEY, withKey, type KeyedSeries } from './attribute-limit.js';
import type { Temporality } from './config.js';
import { CounterHistory } from './counter-history.js';
import { INSTRUMENTS, type ExportInput, type InstrumentSpec } from './instruments.js';

/** What OTLP reads: the same sources as /metrics. */
export interface OtlpSources {
  readonly store: SnapshotStore;
  readonly started: StartedSessions;
  readonly limits: () => FoldingLimits;
}

export interface ExportShape {
  readonly temporality: Temporality;
  readonly cardinalityLimit: number;
}

function overflowPoint(over: readonly KeyedSeries[], spec: InstrumentSpec): KeyedSeries {
  const values = over.map((s) => s.value);
  // A sum of gauges means nothing; the largest is what an alert on them would look for.
  const value = spec.kind === 'gauge' ? Math.max(...values) : values.reduce((a, b) => a + b, 0);
  return { labels: {}, key: OVERFLOW_KEY, value };
}

function dataPoint(series: KeyedSeries, startMs: number, endMs: number): DataPoint<number> {
  const attributes: Attributes = series.key === OVERFLOW_KEY ? { [OVERFLOW_ATTRIBUTE]: true } : series.labels;
  return { attributes, startTime: millisToHrTime(startMs), endTime: millisToHrTime(endMs), value: series.value };
}

/**
 * Builds every instrument's data points from the current snapshots at each export, as a
 * MetricProducer. Nothing is aggregated by the SDK: an attribute set whose sessions closed is
 * simply absent from the next export (the SDK's observable instruments would keep reporting
 * it under cumulative temporality). Lives as long as the process, across OTLP reconfigurations,
 * because counters' start times and delta baselines must survive them.
 */
export class SnapshotMetrics {
  private readonly limits = new Map<string, AttributeLimit>();
  private readonly counters = new Map<string, CounterHistory>();
  private readonly overflowing = new Set<string>();

  constructor(
    private readonly sources: OtlpSources,
    private readonly scope: { readonly name: string; readonly version: string },
    private readonly log: Logger,
    /** When counting began: the UpDownCounters' start time and the counters' first baseline. */
    private readonly since = Date.now(),
  ) {}

  /** The producer of one reader; the reader replaces the resource with its MeterProvider's. */
  producer(shape: ExportShape): MetricProducer {
    return {
      collect: async () => ({
        resourceMetrics: { resource: emptyResource(), scopeMetrics: [this.collect(shape, Date.now())] },
        errors: [],
      }),
    };
  }

  collect(shape: ExportShape, now: number): ScopeMetrics {
    const input: ExportInput = { targets: this.sources.store.targets(), limits: this.sources.limits(), started: this.sources.started, now };
    const metrics = INSTRUMENTS.map((spec) => this.metric(spec, input, shape)).filter((m) => m.dataPoints.length > 0);
    return { scope: this.scope, metrics };
  }

  private metric(spec: InstrumentSpec, input: ExportInput, shape: ExportShape): MetricData {
    const points = this.limited(spec, spec.series(input).map(withKey), shape.cardinalityLimit);
    const descriptor = { name: spec.name, description: spec.description, unit: spec.unit, valueType: spec.valueType };
    const { now } = input;
    switch (spec.kind) {
      case 'gauge':
        return {
          descriptor,
          dataPointType: DataPointType.GAUGE,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPoints: points.map((p) => dataPoint(p, now, now)),
        };
      case 'updown':
        return {
          descriptor,
          dataPointType: DataPointType.SUM,
          isMonotonic: false,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPoints: points.map((p) => dataPoint(p, this.since, now)),
        };
      case 'counter':
        return {
          descriptor,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          aggregationTemporality: shape.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
          dataPoints: this.historyOf(spec)
            .advance(points, now, shape.temporality)
            .map((p) => dataPoint(p, p.startMs, now)),
        };
    }
  }

  private limited(spec: InstrumentSpec, series: readonly KeyedSeries[], limit: number): readonly KeyedSeries[] {
    let attributeLimit = this.limits.get(spec.name);
    if (!attributeLimit) {
      attributeLimit = new AttributeLimit();
      this.limits.set(spec.name, attributeLimit);
    }
    const { kept, over } = attributeLimit.apply(series, limit);
    this.noteOverflow(spec.name, over.length, limit);
    return over.length === 0 ? kept : [...kept, overflowPoint(over, spec)];
  }

  /** Logged when an instrument goes over its limit and when it is back under, not at every export. */
  private noteOverflow(instrument: string, over: number, limit: number): void {
    if (over > 0 && !this.overflowing.has(instrument)) {
      this.overflowing.add(instrument);
      this.log.warn(
        { instrument, cardinalityLimit: limit, overflowPoints: over },
        `OTLP cardinality limit reached: the points beyond it are combined into one ${OVERFLOW_ATTRIBUTE}=true point`,
      );
    } else if (over === 0 && this.overflowing.delete(instrument)) {
      this.log.info({ instrument, cardinalityLimit: limit }, 'OTLP instrument back under its cardinality limit');
    }
  }

  private historyOf(spec: InstrumentSpec): CounterHistory {
    let history = this.counters.get(spec.name);
    if (!history) {
      history = new CounterHistory(this.since);
      this.counters.set(spec.name, history);
    }
    return history;
  }
}
