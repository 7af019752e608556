/**
 * An obshell "API hybrid encryption" client written from the protocol description
 * (docs/obshell-auth.md, reference obshell.md), with Node's crypto only. It deliberately
 * imports nothing from src/: a test that used the server's own code on both sides would pass
 * even if both were wrong.
 */
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, randomInt, type KeyObject } from 'node:crypto';

/** obshell's SDKs cut the header plaintext into 53-byte chunks (k - 11 for a 512-bit key). */
export const OBSHELL_CHUNK = 53;

export interface HeaderInput {
  /** `public_key` from GET /api/v1/secret: base64 of PKCS#1 DER. */
  readonly publicKey: string;
  readonly password: string;
  readonly uri: string;
  /** Unix seconds after which the header is expired. */
  readonly ts: number;
  /** 16-byte AES key followed by a 16-byte IV; random when not given. */
  readonly keys?: Buffer;
  readonly chunkSize?: number;
}

export interface BuiltHeader {
  readonly header: string;
  readonly keys: Buffer;
}

export function importPublicKey(publicKeyBase64: string): KeyObject {
  return createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'pkcs1' });
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** X-OCS-Header: JSON {Auth, Ts, Uri, Keys} encrypted in PKCS#1 v1.5 chunks. */
export function buildObshellHeader(input: HeaderInput): BuiltHeader {
  const keys = input.keys ?? randomBytes(32);
  const plaintext = JSON.stringify({ Auth: input.password, Ts: String(input.ts), Uri: input.uri, Keys: keys.toString('base64') });
  return { header: encryptHeaderPlaintext(input.publicKey, plaintext, input.chunkSize), keys };
}

/** Any plaintext, for headers a well-behaved client would not send. */
export function encryptHeaderPlaintext(publicKeyBase64: string, plaintext: string, chunkSize = OBSHELL_CHUNK): string {
  const key = importPublicKey(publicKeyBase64);
  const bytes = Buffer.from(plaintext, 'utf8');
  const blocks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    blocks.push(publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, bytes.subarray(offset, offset + chunkSize)));
  }
  return Buffer.concat(blocks).toString('base64');
}

/**
 * RFC 8017 EME-PKCS1-v1_5 encoding of one block (00 02 PS 00 M, PS random nonzero), done by
 * hand so that a test can spoil it before encryptRawBlocks.
 */
export function padPkcs1Type2(message: Buffer, k: number): Buffer {
  const em = Buffer.alloc(k);
  em[1] = 2;
  const psEnd = k - message.length - 1;
  for (let i = 2; i < psEnd; i++) em[i] = 1 + randomInt(255);
  message.copy(em, psEnd + 1);
  return em;
}

/**
 * Textbook RSA of chosen k-byte blocks (each must be below the modulus): lets a test build
 * blocks whose padding is wrong in a precise way.
 */
export function encryptRawBlocks(publicKeyBase64: string, blocks: readonly Buffer[]): string {
  const key = importPublicKey(publicKeyBase64);
  return Buffer.concat(blocks.map((block) => publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, block))).toString('base64');
}

/** A request body as obshell clients send it: base64 of AES-128-CBC with PKCS#7 padding. */
export function encryptObshellBody(body: string, keys: Buffer): string {
  const cipher = createCipheriv('aes-128-cbc', keys.subarray(0, 16), keys.subarray(16, 32));
  return Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]).toString('base64');
}
