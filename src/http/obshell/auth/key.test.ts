import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKey, modulusBytes, publicKeyBase64 } from './key.js';

let dir: string;
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'obshell-key-'));
});

async function keyFile(name: string, pem: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, pem);
  return path;
}

describe('loadOrCreateKey', () => {
  it('generates a 2048-bit RSA key when no file is configured', async () => {
    const key = await loadOrCreateKey();
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(modulusBytes(key)).toBe(256);
  });

  it('loads PKCS#1 and PKCS#8 PEM files', async () => {
    for (const type of ['pkcs1', 'pkcs8'] as const) {
      const pem = rsa2048.export({ type, format: 'pem' }).toString();
      const key = await loadOrCreateKey(await keyFile(`${type}.pem`, pem));
      expect(publicKeyBase64(key)).toBe(publicKeyBase64(rsa2048));
    }
  });

  it('refuses keys under 2048 bits, non-RSA keys, encrypted keys and missing files, without quoting the file', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const encrypted = rsa2048.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    const cases: [string, string, RegExp][] = [
      ['small.pem', small, /1024 bits; use at least 2048/],
      ['ec.pem', ec, /must be RSA, not ec/],
      ['encrypted.pem', encrypted, /not an unencrypted PEM private key/],
      ['garbage.pem', 'hello', /not an unencrypted PEM private key/],
    ];
    for (const [name, pem, message] of cases) {
      const error = await loadOrCreateKey(await keyFile(name, pem)).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('MII');
    }
    await expect(loadOrCreateKey(join(dir, 'missing.pem'))).rejects.toThrow(/missing\.pem: cannot read .* ENOENT/);
  });
});

describe('publicKeyBase64', () => {
  it('is base64 of a PKCS#1 DER public key that encrypts for the private key', () => {
    const publicKey = createPublicKey({ key: Buffer.from(publicKeyBase64(rsa2048), 'base64'), format: 'der', type: 'pkcs1' });
    const block = Buffer.alloc(256, 7);
    block[0] = 0;
    const ciphertext = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, block);
    expect(privateDecrypt({ key: rsa2048, padding: constants.RSA_NO_PADDING }, ciphertext)).toEqual(block);
  });
});
