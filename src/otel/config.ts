import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { secretString } from '../config/secret-string.js';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const TEMPORALITIES = ['cumulative', 'delta'] as const;
export type Temporality = (typeof TEMPORALITIES)[number];

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 15s, 1m or 1m30s` });
    return z.NEVER;
  }
  return ms;
});

/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A line break in a value would let a config inject further headers. */
export const hasLineBreak = (value: string): boolean => /[\r\n]/.test(value);

/** Why `text` cannot be the OTLP endpoint, or null when it can. */
export function endpointProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL such as http://collector:4318/v1/metrics';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https:// (OTLP/gRPC is not supported)';
  // Credentials in the URL would end up in logs; headers are kept out of them.
  if (url.username !== '' || url.password !== '') return 'must not contain credentials: use headers (e.g. Authorization: ${TOKEN})';
  return null;
}

const headerValue = secretString.refine((value) => !hasLineBreak(value), 'must not contain a line break');

/**
 * The `otlp:` section; present means pushing is on. Settings left out fall back to the standard
 * OTEL_EXPORTER_OTLP_* environment variables, then to the OpenTelemetry defaults (settings.ts).
 */
export const otlpConfigSchema = z
  .strictObject({
    /** Full URL of the metrics endpoint, e.g. http://collector:4318/v1/metrics. */
    endpoint: z
      .string()
      .superRefine((text, ctx) => {
        const problem = endpointProblem(text);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    protocol: z.enum(OTLP_PROTOCOLS).optional(),
    interval: duration.optional(),
    /** Per export, retries included. */
    timeout: duration.optional(),
    temporality: z.enum(TEMPORALITIES).optional(),
    /** Values may hold `${ENV}` references. */
    headers: z.record(z.string(), headerValue).default({}),
    /** Header name -> file holding its value, re-read at every export (rotated tokens apply). */
    headers_files: z.record(z.string(), z.string().min(1)).default({}),
    /** Data points per instrument and export; the rest are summed into one overflow point. */
    cardinality_limit: z.number().int().min(2).max(1_000_000).default(2000),
  })
  .superRefine((config, ctx) => {
    if (config.interval !== undefined && config.timeout !== undefined && config.timeout > config.interval) {
      ctx.addIssue({ code: 'custom', message: 'must not be longer than interval', path: ['timeout'] });
    }
    for (const section of ['headers', 'headers_files'] as const) {
      for (const name of Object.keys(config[section])) {
        // Checked here rather than by the record's key schema, whose error does not say why.
        if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', message: 'is not a valid HTTP header name', path: [section, name] });
      }
    }
    for (const name of Object.keys(config.headers_files)) {
      if (Object.keys(config.headers).some((other) => other.toLowerCase() === name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', message: `header "${name}" is also in headers: set it once`, path: ['headers_files', name] });
      }
    }
  });

export type OtlpConfig = z.output<typeof otlpConfigSchema>;
