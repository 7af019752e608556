import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { seedOceanBase } from '../support/oceanbase-schema.js';
import { select } from '../support/prometheus-text.js';
import { latest } from './agreement.js';
import { pointsNamed, startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

const LIMIT = 2;
const OVERFLOW = 'otel.metric.overflow';

/** `otlp.cardinality_limit` end to end: the real exporter, the emulated OceanBase cluster's 5 client series, a limit of 2. */
describe('OTLP push over the cardinality limit', () => {
  let db: TestDatabase;
  let admin: Connection;
  let receiver: OtlpReceiver;
  let exporter: ExporterProcess;

  beforeAll(async () => {
    db = await startTestDatabase();
    admin = await db.connect();
    await seedOceanBase(admin);
    receiver = await startOtlpReceiver();
    exporter = await startExporterProcess({
      scrape_interval: '1s',
      targets: [{ name: 'ob', url: db.url, flavor: 'oceanbase' }],
      otlp: { endpoint: receiver.url, interval: '1s', cardinality_limit: LIMIT },
    });
  });

  afterAll(async () => {
    await exporter?.stop();
    await receiver?.close();
    await admin?.end();
    await db?.destroy();
  });

  it('sends limit - 1 points as they are and one otel.metric.overflow=true point with the sum of the rest', async () => {
    // The emulated rows do not change, so /metrics and any export carry the same numbers.
    const clients = await exporter.waitFor((s) => {
      const series = select(s, 'dbsession_client_sessions');
      expect(series.length).toBeGreaterThan(LIMIT);
      return series;
    });
    const points = await receiver.waitFor(() => {
      const found = pointsNamed(latest(receiver.accepted()), 'db.client.session.client.count');
      expect(found.length).toBeGreaterThan(0);
      return found;
    });

    expect(points).toHaveLength(LIMIT);
    const overflow = points.filter((p) => OVERFLOW in p.attributes);
    const kept = points.filter((p) => !(OVERFLOW in p.attributes));
    expect(overflow.map((p) => p.attributes)).toEqual([{ [OVERFLOW]: true }]);
    expect(kept).toHaveLength(LIMIT - 1);
    // The kept point is one /metrics series, unchanged; the overflow point counts every other session.
    expect(clients.map((s) => ({ ...s.labels, value: s.value }))).toContainEqual({ ...kept[0]!.attributes, value: kept[0]!.value });
    const total = clients.reduce((sum, s) => sum + s.value, 0);
    expect(overflow[0]!.value).toBe(total - kept[0]!.value);
  });

  it('leaves instruments within the limit alone, and logs the overflow once per instrument', async () => {
    const exported = latest(receiver.accepted());
    expect(pointsNamed(exported, 'dbsession.target.up')).toMatchObject([{ attributes: { target: 'ob' }, value: 1 }]);
    // Several exports over the limit, one warning.
    await receiver.waitFor(() => {
      const over = receiver.accepted().filter((e) => pointsNamed(e, 'db.client.session.client.count').some((p) => OVERFLOW in p.attributes));
      expect(over.length).toBeGreaterThanOrEqual(3);
    });
    const warnings = exporter.logs().split('\n').filter((line) => line.includes('OTLP cardinality limit reached') && line.includes('"db.client.session.client.count"'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`"cardinalityLimit":${LIMIT}`);
  });
});
