import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf } from '../support/prometheus-text.js';
import { CLOCK_DRIVEN, DELTA, descriptionMismatches, disagreements, latest, silentInstruments } from './agreement.js';
import { pointsNamed, startOtlpReceiver, type OtlpReceiver, type ReceivedExport } from './otlp-receiver.js';

/** Configured through the standard environment variables only; the config file just says `otlp:`. */
const OTEL_ENV = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_METRIC_EXPORT_INTERVAL', 'OTEL_EXPORTER_OTLP_HEADERS'];

const aliceSleeping = (e: ReceivedExport) =>
  pointsNamed(e, 'db.client.session.count').find((p) => p.attributes.user === 'alice' && p.attributes.state === 'SLEEP')?.value;

/** Real MariaDB sessions opened and closed by the test, pushed as OTLP/HTTP JSON with delta counters. */
describe('OTLP push (http/json, delta) of live MariaDB sessions', () => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  let exporter: ExporterProcess;
  const open: Connection[] = [];

  beforeAll(async () => {
    db = await startTestDatabase();
    const admin = await db.connect();
    await admin.query('CREATE DATABASE IF NOT EXISTS shop');
    await admin.query("CREATE USER IF NOT EXISTS 'alice'@'%'");
    await admin.query("GRANT ALL ON *.* TO 'alice'@'%'");
    await admin.end();
    receiver = await startOtlpReceiver();
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace(/\/v1\/metrics$/, ''),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-from-env=env%20value',
    });
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [{ name: 'maria', url: db.url, tenant: 'main' }],
      otlp: { temporality: 'delta' },
    });
  });

  afterAll(async () => {
    for (const name of OTEL_ENV) delete process.env[name];
    await Promise.all(open.map((c) => c.end().catch(() => {})));
    await exporter?.stop();
    await receiver?.close();
    await db?.destroy();
  });

  it('takes endpoint, protocol, interval and headers from OTEL_EXPORTER_OTLP_*', async () => {
    const exported = await receiver.waitFor(() => latest(receiver.accepted()));
    expect(exported.contentType).toBe('application/json');
    expect(exported.headers['x-from-env']).toBe('env value');
  });

  it('reports the sessions the test opens with the numbers of /metrics', async () => {
    for (let i = 0; i < 2; i++) open.push(await db.connect({ user: 'alice', database: 'shop' }));
    await receiver.waitFor(async () => {
      const exported = latest(receiver.accepted());
      expect(aliceSleeping(exported)).toBe(2);
      // Counters are deltas here, so they are compared below; gauges and counts must agree as they are.
      const skip = new Set([...CLOCK_DRIVEN, 'db.client.session.started', 'dbsession.scrape.errors', 'dbsession.scrape.timeouts']);
      expect(disagreements(exported, await exporter.samples(), skip)).toEqual([]);
      // Every instrument arrives, dbsession.process_privilege of this MySQL-flavor target included, described as its spec says.
      expect(silentInstruments(exported)).toEqual([]);
      expect(descriptionMismatches(exported, DELTA)).toEqual([]);
    });
  });

  it('sends counters as deltas that add up to the /metrics total', async () => {
    const s = await exporter.waitFor((samples) => {
      const total = valueOf(samples, 'dbsession_sessions_started_total', { user: 'alice', db: 'shop' });
      expect(total).toBe(2);
      return samples;
    });
    await receiver.waitFor(() => {
      const deltas = receiver
        .accepted()
        .flatMap((e) => pointsNamed(e, 'db.client.session.started'))
        .filter((p) => p.attributes.user === 'alice');
      expect(deltas.every((p) => p.temporality === 'AGGREGATION_TEMPORALITY_DELTA' && p.monotonic)).toBe(true);
      expect(deltas.reduce((sum, p) => sum + p.value, 0)).toBe(valueOf(s, 'dbsession_sessions_started_total', { user: 'alice', db: 'shop' }));
      // Consecutive delta intervals: each starts where the previous ended.
      const [a, b] = deltas.slice(-2);
      expect(b!.startTimeUnixNano).toBe(a!.timeUnixNano);
    });
  });

  it('drops closed sessions at the next export', async () => {
    await Promise.all(open.splice(0).map((c) => c.destroy()));
    await receiver.waitFor(() => {
      const exported = latest(receiver.accepted());
      expect(pointsNamed(exported, 'db.client.session.count').filter((p) => p.attributes.user === 'alice')).toEqual([]);
      expect(pointsNamed(exported, 'db.client.session.tenant.count').find((p) => p.attributes.state === 'SLEEP')?.value).toBe(0);
    });
  });
});
