import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { createLogger } from '../logging/logger.js';
import { ExportHeaders, redact } from './headers.js';

describe('ExportHeaders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otlp-headers-'));
  const file = join(dir, 'token');
  let logged = '';
  const out = new PassThrough();
  out.on('data', (d: Buffer) => (logged += d.toString()));
  const log = createLogger('debug', out);

  afterEach(() => rmSync(file, { force: true }));

  it('reads values from files without their final newline, and re-reads them at every export', async () => {
    writeFileSync(file, 'Bearer first\n');
    const headers = await ExportHeaders.load({ 'x-scope': 'tenant-a' }, { authorization: file }, log);
    expect(await headers.current()).toEqual({ 'x-scope': 'tenant-a', authorization: 'Bearer first' });
    writeFileSync(file, 'Bearer rotated\r\n');
    expect(await headers.current()).toEqual({ 'x-scope': 'tenant-a', authorization: 'Bearer rotated' });
  });

  it('keeps the last value when the file goes away, and logs the file but not the value', async () => {
    writeFileSync(file, 'Bearer kept');
    const headers = await ExportHeaders.load({}, { authorization: file }, log);
    rmSync(file);
    expect(await headers.current()).toEqual({ authorization: 'Bearer kept' });
    expect(logged).toContain(file);
    expect(logged).not.toContain('Bearer kept');
  });

  it('refuses a config whose header file is missing, empty or holds several lines', async () => {
    await expect(ExportHeaders.load({}, { authorization: file }, log)).rejects.toThrow(ConfigError);
    writeFileSync(file, '\n');
    await expect(ExportHeaders.load({}, { authorization: file }, log)).rejects.toThrow(/is empty/);
    writeFileSync(file, 'one\ntwo\n');
    await expect(ExportHeaders.load({}, { authorization: file }, log)).rejects.toThrow(/more than one line/);
  });

  it('redacts every secret in a message', () => {
    expect(redact('token abc in abc and xyz', ['abc', 'xyz', ''])).toBe('token [redacted] in [redacted] and [redacted]');
  });
});
