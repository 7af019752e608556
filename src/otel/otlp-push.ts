import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { Counter } from 'prom-client';
import type { Logger } from '../logging/logger.js';
import type { OtlpConfig } from './config.js';
import { endpointSecrets, ExportHeaders, loggableEndpoint, redact } from './headers.js';
import { ReportingExporter, type ExportOutcome } from './reporting-exporter.js';
import { resolveOtlpSettings, type OtlpSettings } from './settings.js';
import { SnapshotMetrics, type OtlpSources } from './snapshot-metrics.js';

export const SERVICE_NAME = 'db-session-exporter';

/** The last export on stop or reconfiguration gets this long at most, so that neither hangs. */
const FINAL_EXPORT_MAX_MS = 5_000;

export interface OtlpPushOptions {
  readonly sources: OtlpSources;
  readonly log: Logger;
  readonly version: string;
  /** `service.instance.id`: stable across restarts of the same instance (host and port). */
  readonly instanceId: string;
  /** Where OTEL_EXPORTER_OTLP_* are read (the resource's OTEL_RESOURCE_ATTRIBUTES always from process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

interface Pipeline {
  readonly key: string;
  stop(): Promise<void>;
}

/**
 * The OTLP push: off until an `otlp:` section is applied, then one reader exporting every
 * `interval`. Exports run on their own timer with a timeout; nothing here is awaited by a
 * scrape, /metrics or an API request, so a dead or hanging collector costs them nothing.
 */
export class OtlpPush {
  /** For /metrics (`PrometheusSources.extra`); counts across reconfigurations. */
  readonly failures = new Counter({
    name: 'dbsession_otlp_export_failures_total',
    help: 'OTLP exports that failed after their retries (collector unreachable, too slow or refusing).',
    registers: [],
  });
  private readonly metrics: SnapshotMetrics;
  private readonly resource: Resource;
  private running: Pipeline | null = null;

  constructor(private readonly options: OtlpPushOptions) {
    this.metrics = new SnapshotMetrics(options.sources, { name: SERVICE_NAME, version: options.version }, options.log);
    this.resource = defaultResource()
      .merge(
        resourceFromAttributes({
          'service.name': SERVICE_NAME,
          'service.version': options.version,
          'service.instance.id': options.instanceId,
        }),
      )
      // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the attributes above.
      .merge(detectResources({ detectors: [envDetector] }));
  }

  /**
   * Checks `config` with the environment (header files are read now) and returns the step that
   * switches to it; throws a ConfigError, with nothing changed, when it cannot work.
   */
  async prepare(config: OtlpConfig | undefined): Promise<() => void> {
    if (config === undefined) return () => this.switchTo(null);
    const settings = resolveOtlpSettings(config, this.options.env);
    const headers = await ExportHeaders.load({ env: settings.envHeaders, fixed: settings.headers, files: settings.headerFiles }, this.options.log);
    const key = JSON.stringify(settings);
    return () => {
      if (this.running?.key !== key) this.switchTo(this.start(settings, headers, key));
    };
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = null;
    await running?.stop();
  }

  private switchTo(next: Pipeline | null): void {
    const previous = this.running;
    this.running = next;
    // Its last export runs in the background, bounded: a reload does not wait for a collector.
    void previous?.stop();
  }

  private start(settings: OtlpSettings, headers: ExportHeaders, key: string): Pipeline {
    const { log } = this.options;
    const exporterOptions = { url: settings.endpoint, headers: headers.current, timeoutMillis: settings.timeoutMs };
    const otlp = settings.protocol === 'http/json' ? new JsonMetricExporter(exporterOptions) : new ProtobufMetricExporter(exporterOptions);
    const endpoint = loggableEndpoint(settings.endpoint);
    const secrets = (): string[] => [...headers.secrets(), ...endpointSecrets(settings.endpoint)];
    const reader = new PeriodicExportingMetricReader({
      exporter: new ReportingExporter(otlp, this.reporter(endpoint, secrets)),
      exportIntervalMillis: settings.intervalMs,
      // The exporter gives up after timeoutMs (retries included); the reader's own limit is a backstop.
      exportTimeoutMillis: settings.intervalMs,
      metricProducers: [this.metrics.producer(settings)],
    });
    const provider = new MeterProvider({ resource: this.resource, readers: [reader] });
    log.info(
      {
        endpoint,
        protocol: settings.protocol,
        intervalMs: settings.intervalMs,
        timeoutMs: settings.timeoutMs,
        temporality: settings.temporality,
        cardinalityLimit: settings.cardinalityLimit,
        headers: [...new Set([...Object.keys(settings.envHeaders), ...Object.keys(settings.headers), ...Object.keys(settings.headerFiles)])],
      },
      'OTLP push started',
    );
    return {
      key,
      stop: async () => {
        try {
          await provider.shutdown({ timeoutMillis: Math.min(settings.timeoutMs, FINAL_EXPORT_MAX_MS) });
        } catch (error) {
          log.debug({ err: redact(String(error), secrets()) }, 'OTLP last export did not finish');
        }
        log.info({ endpoint }, 'OTLP push stopped');
      },
    };
  }

  /** `endpoint` as it may be logged; `secrets` are kept out of error messages (header files are re-read, so asked each time). */
  private reporter(endpoint: string, secrets: () => string[]): (outcome: ExportOutcome) => void {
    const { log } = this.options;
    let failuresInARow = 0;
    return (outcome) => {
      const ms = Math.round(outcome.ms);
      if (!outcome.ok) {
        failuresInARow++;
        this.failures.inc();
        log.warn({ endpoint, err: redact(outcome.error, secrets()), ms, failuresInARow }, 'OTLP export failed');
        return;
      }
      if (failuresInARow > 0) log.info({ endpoint, failuresBefore: failuresInARow }, 'OTLP export succeeded again');
      failuresInARow = 0;
      log.debug({ endpoint, points: outcome.points, ms }, 'OTLP export sent');
    };
  }
}
