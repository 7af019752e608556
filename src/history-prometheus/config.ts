import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { secretString } from '../config/secret-string.js';
import { historyConfigSchema } from '../history/config.js';

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const prometheusUrl = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL such as http://prometheus:9090' });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'must start with http:// or https://' });
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials: put them in prometheus_headers (Authorization: ${ENV})' });
  }
  if (url.search !== '' || url.hash !== '') ctx.addIssue({ code: 'custom', message: 'must not have a query or fragment' });
  // The API paths are appended: http://mimir/prometheus -> http://mimir/prometheus/api/v1/query.
  return url.href.replace(/\/+$/, '');
});

/**
 * The Prometheus-backed mode: `{ prometheus_url, prometheus_headers?, retention? }`. Retention
 * is how far back the store keeps data: windows starting earlier are refused. Not every
 * Prometheus-compatible store can be asked, so it may be set; null (not set) means ask the
 * store (retention.ts). Headers are secrets (`${ENV}`), e.g. Authorization or Mimir's X-Scope-OrgID.
 */
export const prometheusHistoryConfigSchema = z
  .strictObject({
    prometheus_url: prometheusUrl,
    prometheus_headers: z
      .record(z.string(), secretString)
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', message: 'is not an HTTP header name', path: [name] });
        }
      })
      .default({}),
    retention: durationMs.optional(),
  })
  .transform(({ prometheus_url, prometheus_headers, retention }) => ({
    mode: 'prometheus' as const,
    url: prometheus_url,
    headers: prometheus_headers,
    retentionMs: retention ?? null,
  }));

const embeddedHistorySchema = historyConfigSchema.transform((config) => ({ mode: 'embedded' as const, ...config }));

export type PrometheusHistoryConfig = z.output<typeof prometheusHistoryConfigSchema>;
export type HistorySection = z.output<typeof embeddedHistorySchema> | PrometheusHistoryConfig;

/**
 * The `history` key. Absent: no history (the DBSS statistics answer 404). `prometheus_url`
 * present: the Prometheus-backed mode; otherwise the embedded store (`path`, `retention`), so
 * `history: {}` turns it on with its defaults. History is opt-in because the embedded store
 * locks its directory: a default path would make two exporters started in one directory clash.
 */
export const historySectionSchema = z.unknown().transform((value, ctx): HistorySection | undefined => {
  if (value === undefined || value === null) return undefined;
  const prometheus = typeof value === 'object' && Object.hasOwn(value, 'prometheus_url');
  if (prometheus && Object.hasOwn(value, 'path')) {
    ctx.addIssue({ code: 'custom', message: 'set path (the embedded store) or prometheus_url (a Prometheus-compatible store), not both', path: ['path'] });
    return z.NEVER;
  }
  const result = (prometheus ? prometheusHistoryConfigSchema : embeddedHistorySchema).safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: describe(issue) });
  return z.NEVER;
});

function describe(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys' ? `${issue.message} (history takes path and retention, or prometheus_url, prometheus_headers and retention)` : issue.message;
}
