import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import protobuf from 'protobufjs';

const PROTO_DIR = join(import.meta.dirname, 'proto');
const SERVICE = 'opentelemetry.proto.collector.metrics.v1';

/** The official OTLP definitions (test/otel/proto), so that nothing here knows the wire format. */
async function loadTypes(): Promise<{ request: protobuf.Type; response: protobuf.Type }> {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  await root.load('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  root.resolveAll();
  return { request: root.lookupType(`${SERVICE}.ExportMetricsServiceRequest`), response: root.lookupType(`${SERVICE}.ExportMetricsServiceResponse`) };
}

/** `toObject` with 64-bit integers as strings and enums by name, for both encodings alike. */
const AS_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, oneofs: true };

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number };
type KeyValue = { key: string; value?: AnyValue };
type NumberPoint = { attributes?: KeyValue[]; startTimeUnixNano?: string; timeUnixNano?: string; asDouble?: number; asInt?: string };
type Metric = {
  name: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberPoint[] };
  sum?: { dataPoints?: NumberPoint[]; aggregationTemporality?: string; isMonotonic?: boolean };
};
type Request = {
  resourceMetrics?: { resource?: { attributes?: KeyValue[] }; scopeMetrics?: { scope?: { name?: string; version?: string }; metrics?: Metric[] }[] }[];
};

export type AttributeValue = string | boolean | number;

/** One data point as received, flattened with its metric's description. */
export interface ReceivedPoint {
  readonly metric: string;
  readonly unit: string;
  readonly type: 'gauge' | 'sum';
  readonly monotonic: boolean;
  /** AGGREGATION_TEMPORALITY_CUMULATIVE or _DELTA for sums, '' for gauges. */
  readonly temporality: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly value: number;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
}

export interface ReceivedExport {
  /** Path and query string, as requested. */
  readonly url: string;
  readonly contentType: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw body: a retry sends the same bytes again. */
  readonly body: Buffer;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: { readonly name: string; readonly version: string };
  readonly points: readonly ReceivedPoint[];
  /** How the receiver answered it. */
  readonly answer: ReceiverMode;
  /** Epoch milliseconds of arrival. */
  readonly at: number;
}

/**
 * ok: 200; unavailable: 503 (retryable); hang: never answers; refuse: 401 (final) with a reason
 * phrase that quotes the request's header values and URL, as careless gateways do: what the
 * exporter's failure log must not repeat.
 */
export type ReceiverMode = 'ok' | 'unavailable' | 'hang' | 'refuse';

export interface OtlpReceiver {
  /** The metrics endpoint, http://127.0.0.1:PORT/v1/metrics. */
  readonly url: string;
  /** Every request, in arrival order, whatever it was answered. */
  readonly requests: readonly ReceivedExport[];
  /** Requests held open right now by the hang mode. */
  hanging(): number;
  setMode(mode: ReceiverMode): void;
  /** The requests answered 200. */
  accepted(): ReceivedExport[];
  /** Polls until `check` stops throwing (or rejecting); returns what it returned. */
  waitFor<T>(check: (r: OtlpReceiver) => T | Promise<T>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

function attributeValue(value: AnyValue | undefined): AttributeValue {
  if (value?.stringValue !== undefined) return value.stringValue;
  if (value?.boolValue !== undefined) return value.boolValue;
  if (value?.intValue !== undefined) return Number(value.intValue);
  if (value?.doubleValue !== undefined) return value.doubleValue;
  throw new Error(`unexpected attribute value ${JSON.stringify(value)}`);
}

function attributes(list: readonly KeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, attributeValue(kv.value)]));
}

function pointsOf(metric: Metric): ReceivedPoint[] {
  const data = metric.gauge ?? metric.sum;
  if (!data) throw new Error(`metric ${metric.name} is neither a gauge nor a sum`);
  return (data.dataPoints ?? []).map((p) => ({
    metric: metric.name,
    unit: metric.unit ?? '',
    type: metric.gauge ? 'gauge' : 'sum',
    monotonic: metric.sum?.isMonotonic ?? false,
    temporality: metric.sum?.aggregationTemporality ?? '',
    attributes: attributes(p.attributes),
    value: p.asDouble ?? Number(p.asInt),
    startTimeUnixNano: BigInt(p.startTimeUnixNano ?? 0),
    timeUnixNano: BigInt(p.timeUnixNano ?? 0),
  }));
}

function flatten(request: Request) {
  const [resourceMetrics, ...more] = request.resourceMetrics ?? [];
  const [scopeMetrics, ...moreScopes] = resourceMetrics?.scopeMetrics ?? [];
  if (!resourceMetrics || !scopeMetrics || more.length > 0 || moreScopes.length > 0) {
    throw new Error(`expected one resource with one scope: ${JSON.stringify(request).slice(0, 500)}`);
  }
  return {
    resource: attributes(resourceMetrics.resource?.attributes),
    scope: { name: scopeMetrics.scope?.name ?? '', version: scopeMetrics.scope?.version ?? '' },
    points: (scopeMetrics.metrics ?? []).flatMap(pointsOf),
  };
}

/** A real OTLP/HTTP metrics receiver on 127.0.0.1 (`port`, or any free one), decoding both encodings with the official protos. */
export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  const types = await loadTypes();
  const requests: ReceivedExport[] = [];
  const held = new Set<ServerResponse>();
  let mode: ReceiverMode = 'ok';

  const decode = (contentType: string, body: Buffer): Request => {
    if (contentType.startsWith('application/x-protobuf')) return types.request.toObject(types.request.decode(body), AS_OBJECT) as Request;
    if (contentType.startsWith('application/json')) {
      // fromObject takes the protobuf JSON mapping (lowerCamelCase names, 64-bit integers as strings).
      return types.request.toObject(types.request.fromObject(JSON.parse(body.toString('utf8')) as object), AS_OBJECT) as Request;
    }
    throw new Error(`unexpected content type ${contentType}`);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method !== 'POST' || new URL(url, 'http://receiver').pathname !== '/v1/metrics') return void res.writeHead(404).end();
      const contentType = req.headers['content-type'] ?? '';
      const body = Buffer.concat(chunks);
      let decoded: ReturnType<typeof flatten>;
      try {
        decoded = flatten(decode(contentType, body));
      } catch (error) {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
      requests.push({ url, contentType, headers: req.headers, body, ...decoded, answer: mode, at: Date.now() });
      if (mode === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      if (mode === 'unavailable') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('collector overloaded');
      if (mode === 'refuse') {
        const quoted = Object.values(req.headers).flat().join(' | ');
        return void res.writeHead(401, `refused ${url} with headers ${quoted}`, { 'content-type': 'text/plain' }).end();
      }
      const json = contentType.startsWith('application/json');
      const answer = types.response.create({});
      res
        .writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
        .end(json ? JSON.stringify(types.response.toObject(answer)) : Buffer.from(types.response.encode(answer).finish()));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const listening = (server.address() as AddressInfo).port;

  const receiver: OtlpReceiver = {
    url: `http://127.0.0.1:${listening}/v1/metrics`,
    requests,
    hanging: () => held.size,
    setMode: (next) => {
      mode = next;
    },
    accepted: () => requests.filter((r) => r.answer === 'ok'),
    async waitFor(check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          return await check(receiver);
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/** The points of one metric in an export. */
export function pointsNamed(exported: ReceivedExport, metric: string): ReceivedPoint[] {
  return exported.points.filter((p) => p.metric === metric);
}
