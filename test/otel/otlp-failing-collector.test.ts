import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { valueOf, type Sample } from '../support/prometheus-text.js';
import { latest } from './agreement.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

const TOKEN = 'collector-token-77aa1c';

const failures = (s: readonly Sample[]) => valueOf(s, 'dbsession_otlp_export_failures_total') ?? 0;
const lastScrape = (s: readonly Sample[]) => valueOf(s, 'dbsession_last_scrape_timestamp_seconds', { target: 'maria' }) ?? 0;

/** A collector that refuses (503) or never answers must cost the exporter nothing but failed exports. */
describe('OTLP push to a failing collector', () => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  let exporter: ExporterProcess;
  const config = (otlp?: object) => ({
    scrape_interval: '1s',
    scrape_timeout: '1s',
    targets: [{ name: 'maria', url: db.url, tenant: 'main' }],
    ...(otlp && { otlp }),
  });
  const otlp = (headers: Record<string, string>) => ({ endpoint: receiver.url, interval: '3s', timeout: '3s', headers });

  /** Scraping goes on and /metrics answers: the last successful scrape keeps moving. */
  const scrapingContinues = async () => {
    const before = lastScrape(await exporter.samples());
    await exporter.waitFor((s) => expect(lastScrape(s)).toBeGreaterThan(before));
  };

  beforeAll(async () => {
    db = await startTestDatabase();
    receiver = await startOtlpReceiver();
    receiver.setMode('unavailable');
    process.env.OTLP_FAILING_TEST_TOKEN = TOKEN;
    exporter = await startExporterProcess(config(otlp({ authorization: 'Bearer ${OTLP_FAILING_TEST_TOKEN}' })));
  });

  afterAll(async () => {
    delete process.env.OTLP_FAILING_TEST_TOKEN;
    await exporter?.stop();
    await receiver?.close();
    await db?.destroy();
  });

  it('retries a 503 with backoff, then counts the export as failed and logs it without the token', async () => {
    await exporter.waitFor((s) => expect(failures(s)).toBeGreaterThanOrEqual(1));
    const refused = receiver.requests.filter((r) => r.answer === 'unavailable');
    const retried = refused.filter((r, i) => refused.findIndex((first) => first.body.equals(r.body)) !== i);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    const first = refused.find((r) => r.body.equals(retried[0]!.body))!;
    // The exporter's backoff starts at 1 s with ±20% jitter.
    expect(retried[0]!.at - first.at).toBeGreaterThanOrEqual(750);
    expect(exporter.logs()).toMatch(/"endpoint":"http:\/\/127\.0\.0\.1:\d+\/v1\/metrics".*OTLP export failed/);
    expect(exporter.logs()).not.toContain(TOKEN);
    await scrapingContinues();
  });

  it('keeps scraping and serving /metrics while the collector hangs, counting the timeouts', async () => {
    const before = failures(await exporter.samples());
    receiver.setMode('hang');
    await receiver.waitFor(() => expect(receiver.hanging()).toBeGreaterThanOrEqual(1));
    await scrapingContinues();
    expect((await fetch(`${exporter.url}/-/healthy`)).status).toBe(200);
    // The exporter gives up on the request after its timeout: a failure, and the connection freed.
    await exporter.waitFor((s) => expect(failures(s)).toBeGreaterThan(before));
    expect(exporter.logs()).toMatch(/Request timed out.*OTLP export failed|OTLP export failed.*Request timed out/);
  });

  it('recovers when the collector accepts again', async () => {
    receiver.setMode('ok');
    await receiver.waitFor(() => latest(receiver.accepted()));
    await exporter.waitFor(() => expect(exporter.logs()).toMatch(/OTLP export succeeded again/));
    expect(latest(receiver.accepted()).headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('applies a reloaded otlp section, and stops pushing when it is removed', async () => {
    exporter.writeConfig(config(otlp({ 'x-tenant': 'reloaded' })));
    expect((await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    await receiver.waitFor(() => expect(latest(receiver.accepted()).headers['x-tenant']).toBe('reloaded'));

    exporter.writeConfig(config());
    expect((await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    await exporter.waitFor(() => expect(exporter.logs()).toMatch(/OTLP push stopped/));
    const count = receiver.requests.length;
    // Longer than an interval: a push still running would have sent something.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(receiver.requests.length).toBe(count);
  });

  it('refuses a reload whose header file cannot be read, and keeps the running config', async () => {
    exporter.writeConfig(config({ ...otlp({}), headers_files: { authorization: '/nonexistent/otlp-token' } }));
    const answer = await fetch(`${exporter.url}/-/reload`, { method: 'POST' });
    expect(answer.status).toBe(500);
    expect(await answer.text()).toMatch(/otlp\.headers_files: header "authorization": cannot read \/nonexistent\/otlp-token/);
    expect(valueOf(await exporter.samples(), 'dbsession_config_last_reload_successful')).toBe(0);
  });

  it('shuts down promptly while the collector hangs', async () => {
    exporter.writeConfig(config(otlp({})));
    expect((await fetch(`${exporter.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    receiver.setMode('hang');
    await receiver.waitFor(() => expect(receiver.hanging()).toBeGreaterThanOrEqual(1));
    expect(await exporter.stop()).toBe(0);
    expect(exporter.logs()).not.toMatch(/did not finish within 10 s/);
  });
});
