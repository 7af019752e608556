import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { ConfigError } from '../config/load.js';
import { endpointProblem, OTLP_PROTOCOLS, type OtlpConfig, type OtlpProtocol, type Temporality } from './config.js';

export const DEFAULT_ENDPOINT = 'http://localhost:4318/v1/metrics';
export const DEFAULT_INTERVAL_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The OTLP push as it runs: the config file's values, else the environment's, else defaults. */
export interface OtlpSettings {
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly intervalMs: number;
  /** Never longer than the interval, so that exports do not pile up. */
  readonly timeoutMs: number;
  readonly temporality: Temporality;
  readonly cardinalityLimit: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly headerFiles: Readonly<Record<string, string>>;
  /** OTEL_EXPORTER_OTLP_HEADERS with OTEL_EXPORTER_OTLP_METRICS_HEADERS over it, parsed as the OTLP exporter does. */
  readonly envHeaders: Readonly<Record<string, string>>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The first of `names` set to something other than blanks, with its name for error messages. */
function fromEnv(env: Env, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function envMilliseconds(env: Env, ...names: string[]): number | undefined {
  const found = fromEnv(env, ...names);
  if (!found) return undefined;
  const ms = Number(found.value);
  if (!Number.isInteger(ms) || ms <= 0) throw new ConfigError(`${found.name}="${found.value}" is not a positive number of milliseconds`);
  return ms;
}

function resolveEndpoint(config: OtlpConfig, env: Env): string {
  if (config.endpoint !== undefined) return config.endpoint;
  const specific = fromEnv(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  const base = fromEnv(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  // The signal-specific variable is the full URL; the general one is a base the path is appended to.
  const found = specific ?? (base && { name: base.name, value: `${base.value.replace(/\/+$/, '')}/v1/metrics` });
  if (!found) return DEFAULT_ENDPOINT;
  const problem = endpointProblem(found.value);
  if (problem) throw new ConfigError(`${found.name} ${problem}`);
  return found.value;
}

function resolveProtocol(config: OtlpConfig, env: Env): OtlpProtocol {
  if (config.protocol !== undefined) return config.protocol;
  const found = fromEnv(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (!found) return 'http/protobuf';
  const protocol = OTLP_PROTOCOLS.find((p) => p === found.value);
  if (!protocol) throw new ConfigError(`${found.name}="${found.value}" is not supported: use ${OTLP_PROTOCOLS.join(' or ')}`);
  return protocol;
}

function resolveTemporality(config: OtlpConfig, env: Env): Temporality {
  if (config.temporality !== undefined) return config.temporality;
  const found = fromEnv(env, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE');
  switch (found?.value.toLowerCase()) {
    case undefined:
    case 'cumulative':
    // Low-memory keeps observed (asynchronous) counters cumulative, and every counter here is observed.
    case 'lowmemory':
      return 'cumulative';
    case 'delta':
      return 'delta';
    default:
      throw new ConfigError(`${found?.name}="${found?.value}" is not one of cumulative, delta, lowmemory`);
  }
}

function resolveEnvHeaders(env: Env): Record<string, string> {
  return { ...parseKeyPairsIntoRecord(env['OTEL_EXPORTER_OTLP_HEADERS']), ...parseKeyPairsIntoRecord(env['OTEL_EXPORTER_OTLP_METRICS_HEADERS']) };
}

/** Throws a ConfigError naming the environment variable when one holds a value that cannot work. */
export function resolveOtlpSettings(config: OtlpConfig, env: Env = process.env): OtlpSettings {
  const intervalMs = config.interval ?? envMilliseconds(env, 'OTEL_METRIC_EXPORT_INTERVAL') ?? DEFAULT_INTERVAL_MS;
  const timeoutMs =
    config.timeout ?? envMilliseconds(env, 'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT') ?? DEFAULT_TIMEOUT_MS;
  return {
    endpoint: resolveEndpoint(config, env),
    protocol: resolveProtocol(config, env),
    intervalMs,
    timeoutMs: Math.min(timeoutMs, intervalMs),
    temporality: resolveTemporality(config, env),
    cardinalityLimit: config.cardinality_limit,
    headers: config.headers,
    headerFiles: config.headers_files,
    envHeaders: resolveEnvHeaders(env),
  };
}
