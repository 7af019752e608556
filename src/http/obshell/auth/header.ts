import { constants, privateDecrypt, type KeyObject } from 'node:crypto';
import { modulusBytes } from './key.js';
import { stripPkcs1Type2 } from './pkcs1-type2.js';
import { decodeStrictBase64 } from './strict-base64.js';

/** AES-128-CBC key and IV a client chose for this request's body (obshell's `Keys`). */
export interface AesKeys {
  readonly key: Buffer;
  readonly iv: Buffer;
}

/** The decrypted X-OCS-Header. */
export interface HeaderFields {
  readonly auth: string;
  /** Unix seconds: the header is valid up to and including this second. */
  readonly ts: number;
  readonly uri: string;
  /** null when the client sent none (obshell's own agents omit them on requests without a body). */
  readonly keys: AesKeys | null;
}

export type HeaderDecryption = { ok: true; fields: HeaderFields } | { ok: false; reason: string };

/**
 * Node's HTTP server caps all headers at 16 KiB, about 47 blocks of a 2048-bit key; the cap
 * here bounds the RSA work one request can cause whatever that server setting.
 */
export const MAX_HEADER_BLOCKS = 64;

const AES_BLOCK = 16;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Base64 of concatenated k-byte RSA blocks, each PKCS#1 v1.5 padded, whose plaintexts join into
 * a JSON object. The failure reasons are for the log; bad padding, bad UTF-8, bad JSON and
 * missing fields deliberately share one, because telling them apart would need a branch on the
 * padding.
 */
export function decryptHeader(key: KeyObject, header: string): HeaderDecryption {
  const ciphertext = decodeStrictBase64(header);
  if (ciphertext === null || ciphertext.length === 0) return { ok: false, reason: 'not base64' };
  const k = modulusBytes(key);
  if (ciphertext.length % k !== 0) return { ok: false, reason: `length is not a multiple of the ${k}-byte RSA block` };
  if (ciphertext.length / k > MAX_HEADER_BLOCKS) return { ok: false, reason: `more than ${MAX_HEADER_BLOCKS} RSA blocks` };

  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < ciphertext.length; offset += k) {
    const em = rawDecrypt(key, ciphertext.subarray(offset, offset + k));
    if (em === null) return { ok: false, reason: 'an RSA block is not below the modulus' };
    parts.push(stripPkcs1Type2(em));
  }
  const fields = parseFields(Buffer.concat(parts));
  return fields === null ? { ok: false, reason: 'plaintext is not a JSON object with Auth, Ts and Uri' } : { ok: true, fields };
}

/**
 * RSA_NO_PADDING on every Node version (clarification 11): Node 20 refuses PKCS#1 v1.5
 * decryption outright, and Node 24's implicit rejection would hide which library did what.
 * The only error left is a block not below the modulus, which depends on public data alone.
 */
function rawDecrypt(key: KeyObject, block: Buffer): Buffer | null {
  try {
    return privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, block);
  } catch {
    return null;
  }
}

function parseFields(plaintext: Uint8Array): HeaderFields | null {
  const byName = jsonObjectByLowerCaseName(plaintext);
  if (byName === null) return null;
  const auth = byName.get('auth');
  const uri = byName.get('uri');
  const ts = parseTs(byName.get('ts'));
  const keys = parseKeys(byName.get('keys'));
  if (typeof auth !== 'string' || typeof uri !== 'string' || ts === null || keys === undefined) return null;
  return { auth, ts, uri, keys };
}

/** obshell matches field names case-insensitively (Go's encoding/json); two spellings of one name are ambiguous. */
function jsonObjectByLowerCaseName(plaintext: Uint8Array): Map<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(plaintext));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const byName = new Map<string, unknown>();
  for (const [name, field] of Object.entries(value)) {
    const lower = name.toLowerCase();
    if (byName.has(lower)) return null;
    byName.set(lower, field);
  }
  return byName;
}

/** Clients send a string of unix seconds; a JSON number is accepted too. */
function parseTs(value: unknown): number | null {
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return null;
}

/** undefined when present but unusable: a header with broken Keys is rejected, not half-accepted. */
function parseKeys(value: unknown): AesKeys | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return undefined;
  const bytes = decodeStrictBase64(value);
  if (bytes === null || bytes.length !== 2 * AES_BLOCK) return undefined;
  return { key: bytes.subarray(0, AES_BLOCK), iv: bytes.subarray(AES_BLOCK) };
}
