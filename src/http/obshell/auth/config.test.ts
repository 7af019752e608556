import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { obshellAuthConfigSchema, resolveObshellAuth } from './config.js';
import { publicKeyBase64 } from './key.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'obshell-auth-config-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('obshellAuthConfigSchema', () => {
  it('accepts the documented keys', () => {
    const config = { password_file: '/run/secrets/ob', private_key_file: '/etc/key.pem', max_ts_ahead: '1h5m' };
    expect(obshellAuthConfigSchema.parse(config)).toEqual(config);
  });

  it('rejects both password and password_file, an unknown key, and a bad duration', () => {
    const bad = [
      { password: 'a', password_file: '/f' },
      { pasword_file: '/f' },
      { max_ts_ahead: '35 minutes' },
      { max_ts_ahead: '0s' },
    ];
    for (const config of bad) expect(obshellAuthConfigSchema.safeParse(config).success).toBe(false);
  });

  it('can have its password field swapped for an ${ENV}-expanding one, keeping its checks', () => {
    const expanding = obshellAuthConfigSchema.safeExtend({ password: z.string().transform((text) => text.toUpperCase()).optional() });
    expect(expanding.parse({ password: 'abc' })).toEqual({ password: 'ABC' });
    expect(expanding.safeParse({ password: 'abc', password_file: '/f' }).success).toBe(false);
  });
});

describe('resolveObshellAuth', () => {
  it('leaves the API open without config, still with a key for GET /api/v1/secret and the default Ts limit', async () => {
    const settings = await resolveObshellAuth(undefined);
    expect(settings.password).toBeUndefined();
    expect(publicKeyBase64(settings.key)).toMatch(/^MIIBCgKCAQEA/);
    expect(settings.maxTsAheadMs).toBe(35 * 60_000);
  });

  it('reads password_file without its trailing newline, and parses max_ts_ahead', async () => {
    const settings = await resolveObshellAuth({ password_file: await file('pw', 'p@ss word\r\n'), max_ts_ahead: '40m' });
    expect(settings.password).toBe('p@ss word');
    expect(settings.maxTsAheadMs).toBe(40 * 60_000);
  });

  it('takes password as given', async () => {
    expect((await resolveObshellAuth({ password: 'inline' })).password).toBe('inline');
  });

  it('refuses an empty password rather than leaving the API open', async () => {
    await expect(resolveObshellAuth({ password_file: await file('empty', '\n') })).rejects.toThrow(/password_file is empty/);
    await expect(resolveObshellAuth({ password: '' })).rejects.toThrow(/password is empty/);
  });

  it('names a password_file it cannot read', async () => {
    await expect(resolveObshellAuth({ password_file: join(dir, 'nope') })).rejects.toThrow(/nope: cannot read auth\.obshell\.password_file: ENOENT/);
  });
});
