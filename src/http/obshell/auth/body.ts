import { createDecipheriv } from 'node:crypto';
import type { AesKeys } from './header.js';
import { decodeStrictBase64 } from './strict-base64.js';

export type BodyDecryption = { ok: true; plaintext: Buffer } | { ok: false; message: string };

/**
 * obshell clients send a request body as base64 of AES-128-CBC (PKCS#7) under the header's
 * Keys; some send it as a JSON string literal. An empty body means no body, as in obshell.
 * Every failure has one message: the body is only reachable with a valid header, but there is
 * no reason to tell a padding error from any other.
 */
export function decryptObshellBody(body: string, keys: AesKeys | null): BodyDecryption {
  if (body === '') return { ok: true, plaintext: Buffer.alloc(0) };
  if (keys === null) return { ok: false, message: 'The request body is encrypted, but header X-OCS-Header carries no Keys.' };
  const ciphertext = decodeStrictBase64(unquote(body.trim()));
  if (ciphertext !== null) {
    try {
      const decipher = createDecipheriv('aes-128-cbc', keys.key, keys.iv);
      return { ok: true, plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()]) };
    } catch {
      // fall through to the one failure below
    }
  }
  return { ok: false, message: 'The request body is not base64 of AES-128-CBC under the Keys of header X-OCS-Header.' };
}

function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : text;
  } catch {
    return text;
  }
}
