import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

export type ExportOutcome =
  | { readonly ok: true; readonly points: number; readonly ms: number }
  | { readonly ok: false; readonly error: string; readonly ms: number };

function pointCount(metrics: ResourceMetrics): number {
  return metrics.scopeMetrics.reduce((n, scope) => n + scope.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0), 0);
}

/**
 * Passes every export through to the OTLP exporter (which retries with backoff within its
 * timeout) and reports how each one finally ended, for the failure counter and the log.
 */
export class ReportingExporter implements PushMetricExporter {
  constructor(
    private readonly inner: PushMetricExporter,
    private readonly report: (outcome: ExportOutcome) => void,
  ) {}

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    const startedAt = performance.now();
    this.inner.export(metrics, (result) => {
      const ms = performance.now() - startedAt;
      this.report(
        result.code === ExportResultCode.SUCCESS
          ? { ok: true, points: pointCount(metrics), ms }
          : { ok: false, error: result.error?.message ?? 'export failed', ms },
      );
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
