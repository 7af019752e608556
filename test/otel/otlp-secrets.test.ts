import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { freePort } from '../support/mariadb.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

/** Every secret the push is given, each from another place; distinctive, so a grep cannot miss one. */
const SECRETS = {
  config: 'cfg-token-41c7e2',
  file: 'file-scope-9a03bd',
  env: 'env-api-key-5e81f0',
  query: 'query-key-c2d94a',
} as const;

/**
 * A collector that refuses the push and quotes back every header and the URL in its reason: the
 * failure is logged, and with it none of the secrets, wherever they came from.
 */
describe('OTLP secrets in the log when the collector refuses', () => {
  let receiver: OtlpReceiver;
  let exporter: ExporterProcess;
  const dir = mkdtempSync(join(tmpdir(), 'otlp-secrets-'));

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    receiver.setMode('refuse');
    writeFileSync(join(dir, 'scope'), `${SECRETS.file}\n`);
    // Inherited by the exporter process: ${OTLP_SECRETS_TEST_TOKEN} expands there, and the OTLP exporter reads the headers variable.
    process.env.OTLP_SECRETS_TEST_TOKEN = SECRETS.config;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = `x-api-key=${SECRETS.env}`;
    try {
      exporter = await startExporterProcess({
        scrape_interval: '1s',
        // No database needed: a target that is down still has points to push.
        targets: [{ name: 'down', url: `mysql://root@127.0.0.1:${await freePort()}` }],
        otlp: {
          endpoint: `${receiver.url}?api_key=${SECRETS.query}`,
          interval: '1s',
          headers: { authorization: 'Bearer ${OTLP_SECRETS_TEST_TOKEN}' },
          headers_files: { 'x-scope-orgid': join(dir, 'scope') },
        },
      });
    } finally {
      delete process.env.OTLP_SECRETS_TEST_TOKEN;
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
  });

  afterAll(async () => {
    await exporter?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every secret, and logs the refusal with each of them redacted', async () => {
    await exporter.waitFor(() => expect(exporter.logs()).toMatch(/OTLP export failed/));
    // They were all in play: the collector got them, and its reason quoted them back.
    const [refused] = receiver.requests;
    expect(refused?.url).toBe(`/v1/metrics?api_key=${SECRETS.query}`);
    expect(refused?.headers).toMatchObject({ authorization: `Bearer ${SECRETS.config}`, 'x-scope-orgid': SECRETS.file, 'x-api-key': SECRETS.env });

    const logs = exporter.logs();
    for (const secret of Object.values(SECRETS)) expect(logs).not.toContain(secret);
    const failure = JSON.parse(logs.split('\n').find((line) => line.includes('OTLP export failed')) ?? '{}') as { endpoint?: string; err?: string };
    expect(failure.endpoint).toBe(`${receiver.url}?api_key=[redacted]`);
    // The query value and the three header values, each replaced where the collector quoted it.
    expect(failure.err).toMatch(/^refused \/v1\/metrics\?api_key=\[redacted\] with headers /);
    expect(failure.err?.match(/\[redacted\]/g)).toHaveLength(4);
  });
});
