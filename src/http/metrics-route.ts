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

export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}
