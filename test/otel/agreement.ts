import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTRUMENTS, type InstrumentKind } from '../../src/otel/instruments.js';
import { REPO_ROOT } from '../support/exporter-process.js';
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

export const CUMULATIVE = 'AGGREGATION_TEMPORALITY_CUMULATIVE';
export const DELTA = 'AGGREGATION_TEMPORALITY_DELTA';

/** How each kind of instrument goes over the wire: a gauge as a gauge, counts and counters as sums. */
const WIRE: Readonly<Record<InstrumentKind, { type: 'gauge' | 'sum'; monotonic: boolean }>> = {
  gauge: { type: 'gauge', monotonic: false },
  updown: { type: 'sum', monotonic: false },
  counter: { type: 'sum', monotonic: true },
};

/**
 * Every instrument whose points arrived with another unit, type, monotonicity or temporality
 * than its spec says: UpDownCounters are always cumulative, counters as configured. Empty when
 * every point is described as it should be.
 */
export function descriptionMismatches(exported: ReceivedExport, counterTemporality: typeof CUMULATIVE | typeof DELTA): string[] {
  return INSTRUMENTS.flatMap((spec) => {
    const temporality = spec.kind === 'gauge' ? '' : spec.kind === 'updown' ? CUMULATIVE : counterTemporality;
    const want = JSON.stringify({ unit: spec.unit, ...WIRE[spec.kind], temporality });
    const got = new Set(pointsNamed(exported, spec.name).map((p) => JSON.stringify({ unit: p.unit, type: p.type, monotonic: p.monotonic, temporality: p.temporality })));
    return [...got].filter((description) => description !== want).map((description) => `${spec.name}: got ${description}, want ${want}`);
  });
}

/** Instruments without a single point in the export. */
export function silentInstruments(exported: ReceivedExport): string[] {
  return INSTRUMENTS.filter((spec) => pointsNamed(exported, spec.name).length === 0).map((spec) => spec.name);
}

const DOCUMENTED_KINDS: Readonly<Record<string, InstrumentKind>> = { Gauge: 'gauge', UpDownCounter: 'updown', Counter: 'counter' };

/**
 * The "Prometheus to OpenTelemetry" table of docs/opentelemetry.md, one line per row in the
 * shape instrumentLines gives the specs: what users are told, to compare with what is sent.
 */
export function documentedInstruments(): string[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs/opentelemetry.md'), 'utf8');
  return doc
    .split('\n')
    .filter((line) => line.startsWith('| `dbsession_'))
    .map((line) => {
      const [prometheus, name, type, unit] = line.split('|').slice(1).map((cell) => cell.trim().replaceAll('`', ''));
      return `${prometheus} ${name} ${DOCUMENTED_KINDS[type ?? ''] ?? type} ${unit === '(none)' ? '' : unit}`;
    });
}

/** Every instrument spec as a line: Prometheus family, name, kind and unit. */
export function instrumentLines(): string[] {
  return INSTRUMENTS.map((spec) => `${spec.prometheus} ${spec.name} ${spec.kind} ${spec.unit}`);
}

/** The families a /metrics text declares (`# TYPE` lines) whose names start with `prefix`. */
export function declaredFamilies(metricsText: string, prefix: string): string[] {
  return [...metricsText.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name!).filter((name) => name.startsWith(prefix));
}
