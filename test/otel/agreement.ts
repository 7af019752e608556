import { INSTRUMENTS } from '../../src/otel/instruments.js';
import { select, type Sample } from '../support/prometheus-text.js';
import { pointsNamed, type AttributeValue, type ReceivedExport } from './otlp-receiver.js';

/** Instruments whose value changes from one read to the next (clock-driven), compared by presence only. */
export const CLOCK_DRIVEN = new Set(['dbsession.scrape.duration', 'dbsession.data.age']);

const line = (labels: Readonly<Record<string, AttributeValue>>, value: number) =>
  `${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`)
    .join(',')} => ${value}`;

/**
 * Every difference between an export and /metrics: for each instrument, the set of
 * (attributes, value) against the set of (labels, value) of its Prometheus family. Empty when
 * both paths report the same numbers.
 */
export function disagreements(exported: ReceivedExport, samples: readonly Sample[], skip: ReadonlySet<string> = CLOCK_DRIVEN): string[] {
  return INSTRUMENTS.flatMap((spec) => {
    const otlp = pointsNamed(exported, spec.name).map((p) => (skip.has(spec.name) ? line(p.attributes, 0) : line(p.attributes, p.value)));
    const prom = select(samples, spec.prometheus).map((s) => (skip.has(spec.name) ? line(s.labels, 0) : line(s.labels, s.value)));
    const missing = prom.filter((l) => !otlp.includes(l)).map((l) => `${spec.name}: missing ${l}`);
    const extra = otlp.filter((l) => !prom.includes(l)).map((l) => `${spec.name}: extra ${l}`);
    return [...missing, ...extra];
  });
}

/** The most recent export the receiver accepted; throws (for waitFor) while there is none. */
export function latest(exports: readonly ReceivedExport[]): ReceivedExport {
  const last = exports.at(-1);
  if (!last) throw new Error('no export received yet');
  return last;
}
