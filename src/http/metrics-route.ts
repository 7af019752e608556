import type { Request, Response } from 'express';
import { Registry, type RegistryContentType } from 'prom-client';

/**
 * Serves the Prometheus text format, or OpenMetrics when the Accept header asks for it
 * (prom-client does not negotiate; Prometheus 3 refuses a missing or wrong Content-Type).
 */
export function metricsHandler(build: (contentType: RegistryContentType) => Registry<RegistryContentType>) {
  const text = build(Registry.PROMETHEUS_CONTENT_TYPE);
  const openMetrics = build(Registry.OPENMETRICS_CONTENT_TYPE);
  return async (req: Request, res: Response): Promise<void> => {
    const registry = wantsOpenMetrics(req.get('accept')) ? openMetrics : text;
    const body = await registry.metrics();
    res.status(200).type(registry.contentType).send(body);
  };
}

/** The versions of each format we serve, as Prometheus' client_golang accepts them ('' = none given). */
const OPENMETRICS_VERSIONS: ReadonlySet<string> = new Set(['', '0.0.1', '1.0.0']);
const TEXT_VERSIONS: ReadonlySet<string> = new Set(['', '0.0.4', '1.0.0']);

/**
 * Negotiates as client_golang does: the media range with the highest q that we serve wins (ties
 * in header order), and text is the default. Unlike client_golang, q=0 means "not acceptable"
 * (RFC 9110), and a malformed q drops its range.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  for (const range of acceptedRanges(accept ?? '')) {
    const version = range.params.get('version') ?? '';
    if (range.type === 'application/openmetrics-text' && OPENMETRICS_VERSIONS.has(version)) return true;
    if (range.type === 'text/plain' && TEXT_VERSIONS.has(version)) return false;
  }
  return false;
}

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

/** The ranges of an Accept header the client takes at all, most wanted first (a stable sort). */
function acceptedRanges(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map(parseMediaRange)
    .filter((range): range is MediaRange => range !== null && range.q > 0)
    .sort((a, b) => b.q - a.q);
}

function parseMediaRange(text: string): MediaRange | null {
  const [range = '', ...parts] = text.split(';');
  const type = range.trim().toLowerCase();
  if (!/^[^/\s]+\/[^/\s]+$/.test(type)) return null;
  const params = new Map(
    parts.map((part) => {
      const [name = '', value = ''] = part.split('=', 2);
      return [name.trim().toLowerCase(), value.trim().replace(/^"(.*)"$/, '$1')] as const;
    }),
  );
  const q = params.get('q');
  if (q === undefined) return { type, params, q: 1 };
  return QVALUE.test(q) ? { type, params, q: Number(q) } : null;
}

/** RFC 9110's qvalue: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
