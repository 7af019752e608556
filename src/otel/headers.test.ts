import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { createLogger } from '../logging/logger.js';
import { endpointSecrets, ExportHeaders, loggableEndpoint, redact, type HeaderSources } from './headers.js';

describe('ExportHeaders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otlp-headers-'));
  const file = join(dir, 'token');
  let logged = '';
  const out = new PassThrough();
  out.on('data', (d: Buffer) => (logged += d.toString()));
  const log = createLogger('debug', out);

  afterEach(() => rmSync(file, { force: true }));
  const sources = (fixed: Record<string, string>, files: Record<string, string>, env: Record<string, string> = {}): HeaderSources => ({ env, fixed, files });

  it('reads values from files without their final newline, and re-reads them at every export', async () => {
    writeFileSync(file, 'Bearer first\n');
    const headers = await ExportHeaders.load(sources({ 'x-scope': 'tenant-a' }, { authorization: file }), log);
    expect(await headers.current()).toEqual({ 'x-scope': 'tenant-a', authorization: 'Bearer first' });
    writeFileSync(file, 'Bearer rotated\r\n');
    expect(await headers.current()).toEqual({ 'x-scope': 'tenant-a', authorization: 'Bearer rotated' });
  });

  it('keeps the last value when the file goes away, and logs the file but not the value', async () => {
    writeFileSync(file, 'Bearer kept');
    const headers = await ExportHeaders.load(sources({}, { authorization: file }), log);
    rmSync(file);
    expect(await headers.current()).toEqual({ authorization: 'Bearer kept' });
    expect(logged).toContain(file);
    expect(logged).not.toContain('Bearer kept');
  });

  it('refuses a config whose header file is missing, empty or holds several lines', async () => {
    await expect(ExportHeaders.load(sources({}, { authorization: file }), log)).rejects.toThrow(ConfigError);
    writeFileSync(file, '\n');
    await expect(ExportHeaders.load(sources({}, { authorization: file }), log)).rejects.toThrow(/is empty/);
    writeFileSync(file, 'one\ntwo\n');
    await expect(ExportHeaders.load(sources({}, { authorization: file }), log)).rejects.toThrow(/more than one line/);
  });

  it("sends the environment's headers under the config's and the files', and counts all of them as secrets", async () => {
    writeFileSync(file, 'from-file');
    const env = { 'x-api-key': 'from-env', 'x-scope': 'env-scope', authorization: 'env-auth' };
    const headers = await ExportHeaders.load(sources({ 'x-scope': 'from-config' }, { authorization: file }, env), log);
    expect(await headers.current()).toEqual({ 'x-api-key': 'from-env', 'x-scope': 'from-config', authorization: 'from-file' });
    expect(headers.secrets().sort()).toEqual(['env-auth', 'env-scope', 'from-config', 'from-env', 'from-file']);
  });

  it('redacts every secret in a message, a longer one whole', () => {
    expect(redact('token abc in abc and xyz', ['abc', 'xyz', ''])).toBe('token [redacted] in [redacted] and [redacted]');
    expect(redact('key abc-123', ['abc', 'abc-123'])).toBe('key [redacted]');
  });
});

describe('the endpoint in logs', () => {
  it('shows query parameter names but not their values, and no fragment', () => {
    expect(loggableEndpoint('https://otlp.example/v1/metrics?api_key=s3cr%3Dt&region=eu#x')).toBe('https://otlp.example/v1/metrics?api_key=[redacted]&region=[redacted]');
    expect(loggableEndpoint('https://otlp.example/v1/metrics?bare-token')).toBe('https://otlp.example/v1/metrics?[redacted]');
    expect(loggableEndpoint('http://collector:4318/v1/metrics')).toBe('http://collector:4318/v1/metrics');
  });

  it('counts query values as written and decoded as secrets', () => {
    expect(endpointSecrets('https://otlp.example/v1/metrics?api_key=s3cr%3Dt&bare-token&empty=').sort()).toEqual(['bare-token', 's3cr%3Dt', 's3cr=t']);
    expect(endpointSecrets('http://collector:4318/v1/metrics')).toEqual([]);
  });
});
