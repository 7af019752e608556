import { describe, expect, it } from 'vitest';
import { otlpConfigSchema } from './config.js';
import { DEFAULT_ENDPOINT, DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, resolveOtlpSettings } from './settings.js';

const parse = (config: object) => otlpConfigSchema.parse(config);

describe('otlp settings', () => {
  it('uses the OpenTelemetry defaults for an empty section', () => {
    expect(resolveOtlpSettings(parse({}), {})).toEqual({
      endpoint: DEFAULT_ENDPOINT,
      protocol: 'http/protobuf',
      intervalMs: DEFAULT_INTERVAL_MS,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      temporality: 'cumulative',
      cardinalityLimit: 2000,
      headers: {},
      headerFiles: {},
      envHeaders: {},
    });
  });

  it('reads OTEL_EXPORTER_OTLP_HEADERS as the OTLP exporter does, the metrics-specific one winning', () => {
    const env = { OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=general,x-scope=a%20b', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-api-key=metrics' };
    expect(resolveOtlpSettings(parse({}), env).envHeaders).toEqual({ 'x-api-key': 'metrics', 'x-scope': 'a b' });
  });

  it('takes what the file leaves out from OTEL_EXPORTER_OTLP_*, signal-specific first', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_METRIC_EXPORT_INTERVAL: '15000',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta',
    };
    expect(resolveOtlpSettings(parse({}), env)).toMatchObject({
      endpoint: 'http://collector:4318/v1/metrics',
      protocol: 'http/protobuf',
      timeoutMs: 3000,
      intervalMs: 15000,
      temporality: 'delta',
    });
    expect(resolveOtlpSettings(parse({}), { ...env, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://vendor.example/otlp/metrics' }).endpoint).toBe(
      'https://vendor.example/otlp/metrics',
    );
  });

  it('lets the config file win over the environment', () => {
    const config = parse({ endpoint: 'http://file:4318/v1/metrics', protocol: 'http/json', interval: '30s', timeout: '5s', temporality: 'cumulative' });
    const env = {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://env:4318/v1/metrics',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
    };
    expect(resolveOtlpSettings(config, env)).toMatchObject({
      endpoint: 'http://file:4318/v1/metrics',
      protocol: 'http/json',
      intervalMs: 30_000,
      timeoutMs: 5_000,
      temporality: 'cumulative',
    });
  });

  it('keeps the timeout within the interval, and treats lowmemory as cumulative (every counter is observed)', () => {
    const s = resolveOtlpSettings(parse({ interval: '2s' }), { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'lowmemory' });
    expect(s.timeoutMs).toBe(2000);
    expect(s.temporality).toBe('cumulative');
  });

  it('names the variable whose value cannot work', () => {
    expect(() => resolveOtlpSettings(parse({}), { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is not supported/);
    expect(() => resolveOtlpSettings(parse({}), { OTEL_METRIC_EXPORT_INTERVAL: '10s' })).toThrow(/OTEL_METRIC_EXPORT_INTERVAL="10s"/);
    expect(() => resolveOtlpSettings(parse({}), { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must start with http/);
    expect(() => resolveOtlpSettings(parse({}), { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'sometimes' })).toThrow(
      /TEMPORALITY_PREFERENCE="sometimes"/,
    );
  });
});

describe('otlp config section', () => {
  const problems = (config: object) => {
    const result = otlpConfigSchema.safeParse(config);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses credentials in the endpoint, bad header names and values, a timeout beyond the interval', () => {
    expect(problems({ endpoint: 'http://user:pw@collector:4318/v1/metrics' })).toEqual([expect.stringMatching(/^endpoint: must not contain credentials/)]);
    expect(problems({ endpoint: 'grpc://collector:4317' })).toEqual([expect.stringMatching(/^endpoint: must start with http/)]);
    expect(problems({ headers: { 'bad name': 'x' } })).toEqual(['headers.bad name: is not a valid HTTP header name']);
    expect(problems({ headers: { 'x-a': 'one\r\nx-b: two' } })).toEqual(['headers.x-a: must not contain a line break']);
    expect(problems({ interval: '5s', timeout: '10s' })).toEqual(['timeout: must not be longer than interval']);
    expect(problems({ headers: { Authorization: 'x' }, headers_files: { authorization: '/run/token' } })).toEqual([
      'headers_files.authorization: header "authorization" is also in headers: set it once',
    ]);
    expect(problems({ cardinality_limit: 1 })).toHaveLength(1);
    expect(problems({ exporter: 'otlp' })).toHaveLength(1);
  });

  it('expands ${ENV} in header values and names a missing variable without a value', () => {
    process.env.OTLP_SETTINGS_TEST_TOKEN = 's3cr3t';
    try {
      expect(parse({ headers: { authorization: 'Bearer ${OTLP_SETTINGS_TEST_TOKEN}' } }).headers).toEqual({ authorization: 'Bearer s3cr3t' });
    } finally {
      delete process.env.OTLP_SETTINGS_TEST_TOKEN;
    }
    expect(problems({ headers: { authorization: 'Bearer ${OTLP_SETTINGS_TEST_TOKEN}' } })).toEqual([
      'headers.authorization: environment variable OTLP_SETTINGS_TEST_TOKEN is not set',
    ]);
  });
});
