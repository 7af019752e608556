import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptObshellBody } from '../../src/http/obshell/auth/body.js';
import type { AesKeys } from '../../src/http/obshell/auth/header.js';
import { encryptObshellBody } from '../support/obshell-client.js';

const raw = randomBytes(32);
const keys: AesKeys = { key: raw.subarray(0, 16), iv: raw.subarray(16) };
const BODY = '{"session_ids":[101,102],"note":"ünïcode"}';

describe('decryptObshellBody', () => {
  it('decrypts base64 AES-128-CBC under the header Keys', () => {
    expect(decryptObshellBody(encryptObshellBody(BODY, raw), keys)).toEqual({ ok: true, plaintext: Buffer.from(BODY) });
  });

  it('accepts the base64 as a JSON string literal, with surrounding whitespace', () => {
    const quoted = ` ${JSON.stringify(encryptObshellBody(BODY, raw))}\n`;
    expect(decryptObshellBody(quoted, keys)).toEqual({ ok: true, plaintext: Buffer.from(BODY) });
  });

  it('treats an empty body as no body', () => {
    expect(decryptObshellBody('', null)).toEqual({ ok: true, plaintext: Buffer.alloc(0) });
  });

  it('needs Keys for a non-empty body', () => {
    const result = decryptObshellBody(encryptObshellBody(BODY, raw), null);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/carries no Keys/) });
  });

  it('fails with one message for other keys, plaintext, truncated or non-base64 bodies', () => {
    const other = randomBytes(32);
    const ciphertext = encryptObshellBody(BODY, raw);
    const bodies = [
      encryptObshellBody(BODY, other),
      BODY,
      Buffer.from(ciphertext, 'base64').subarray(0, 16).toString('base64'),
      `${ciphertext}*`,
      '"unterminated',
    ];
    const results = bodies.map((body) => decryptObshellBody(body, keys));
    expect(results.every((result) => !result.ok)).toBe(true);
    expect(new Set(results.map((result) => (result.ok ? '' : result.message))).size).toBe(1);
  });
});
