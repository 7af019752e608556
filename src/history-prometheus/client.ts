import { z } from 'zod';

/** One sample: epoch milliseconds (Prometheus keeps whole milliseconds) and value. */
export interface Sample {
  readonly t: number;
  readonly value: number;
}

export type Labels = Readonly<Record<string, string>>;

export interface VectorElement {
  readonly labels: Labels;
  readonly sample: Sample;
}

/** The store could not be asked or refused the question: the API answers 503 with the reason. */
export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
}

const SampleJson = z.tuple([z.number(), z.string()]);
const Envelope = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), data: z.unknown() }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);
const VectorData = z.object({
  resultType: z.literal('vector'),
  result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: SampleJson })),
});
const MatrixData = z.object({
  resultType: z.literal('matrix'),
  result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(SampleJson) })),
});
const SeriesData = z.array(z.record(z.string(), z.string()));
const RuntimeInfo = z.object({ status: z.literal('success'), data: z.object({ storageRetention: z.string().optional() }) });

/** A PromQL string literal: Go's quoting accepts JSON's escapes. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** `{name="value",...}` for exact matches on every given label. */
export function matchers(labels: Labels): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}=${promString(value)}`)
    .join(',')}}`;
}

/** Seconds with millisecond precision, as the HTTP API and the `@` modifier take them. */
export function promTime(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function sampleOf([seconds, text]: [number, string]): Sample {
  return { t: Math.round(seconds * 1000), value: Number(text) };
}

/**
 * The parts of the Prometheus HTTP API (also served by Thanos, Mimir, VictoriaMetrics) the
 * history needs: instant queries and the series index. Requests are POSTed forms, so long
 * selectors never meet a URL length limit.
 */
export class PrometheusClient {
  /** Requests made so far, for the debug log. */
  calls = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly headers: Readonly<Record<string, string>>,
  ) {}

  async vector(expr: string, atMs: number, signal: AbortSignal): Promise<VectorElement[]> {
    const data = VectorData.safeParse(await this.call('/api/v1/query', { query: expr, time: promTime(atMs) }, signal));
    if (!data.success) throw new PrometheusError(`unexpected answer to ${expr}: not an instant vector`);
    return data.data.result.map(({ metric, value }) => ({ labels: metric, sample: sampleOf(value) }));
  }

  /** The raw samples of a range selector, per series. */
  async matrix(expr: string, atMs: number, signal: AbortSignal): Promise<Array<{ labels: Labels; samples: Sample[] }>> {
    const data = MatrixData.safeParse(await this.call('/api/v1/query', { query: expr, time: promTime(atMs) }, signal));
    if (!data.success) throw new PrometheusError(`unexpected answer to ${expr}: not a range vector`);
    return data.data.result.map(({ metric, values }) => ({ labels: metric, samples: values.map(sampleOf) }));
  }

  /** Label sets of the series `match` selects that have samples in [startMs, endMs]. */
  async series(match: string, startMs: number, endMs: number, signal: AbortSignal): Promise<Labels[]> {
    const data = SeriesData.safeParse(
      await this.call('/api/v1/series', { 'match[]': match, start: promTime(startMs), end: promTime(endMs) }, signal),
    );
    if (!data.success) throw new PrometheusError(`unexpected answer to the series of ${match}`);
    return data.data;
  }

  /**
   * Prometheus's `storageRetention` (`15d`, `30d or 512MiB`, `512MiB`) from
   * /api/v1/status/runtimeinfo; null when the store does not serve it, as Thanos, Mimir or
   * VictoriaMetrics may not. Throws only when the store cannot be reached.
   */
  async storageRetention(signal: AbortSignal): Promise<string | null> {
    const { text } = await this.send('/api/v1/status/runtimeinfo', null, signal);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return null;
    }
    const info = RuntimeInfo.safeParse(json);
    return info.success ? (info.data.data.storageRetention ?? null) : null;
  }

  private async call(path: string, form: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const { status, text } = await this.send(path, form, signal);
    let envelope: z.infer<typeof Envelope>;
    try {
      envelope = Envelope.parse(JSON.parse(text));
    } catch {
      throw new PrometheusError(`${this.baseUrl}${path} answered ${status} without a Prometheus API response`);
    }
    if (envelope.status === 'error') throw new PrometheusError(`${this.baseUrl}${path}: ${envelope.errorType ?? 'error'}: ${envelope.error ?? status}`);
    return envelope.data;
  }

  /** POSTs `form`, or GETs when there is none (the status endpoints take GET only). */
  private async send(path: string, form: Record<string, string> | null, signal: AbortSignal): Promise<{ status: number; text: string }> {
    this.calls++;
    const headers = { ...this.headers, accept: 'application/json', ...(form && { 'content-type': 'application/x-www-form-urlencoded' }) };
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method: form ? 'POST' : 'GET',
        headers,
        ...(form && { body: new URLSearchParams(form) }),
        signal,
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      const reason = signal.aborted ? 'no answer in time' : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new PrometheusError(`cannot reach ${this.baseUrl}: ${reason}`);
    }
  }
}
