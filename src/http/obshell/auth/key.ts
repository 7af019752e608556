import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** Clarification 11: obshell agents use 1024-bit keys; we never accept less than 2048. */
export const MIN_MODULUS_BITS = 2048;

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * The exporter's RSA private key: generated at start when no file is configured (clients fetch
 * the public half from GET /api/v1/secret every time they connect, so a fresh key per process
 * costs them nothing), else read from a PEM file in PKCS#1 or PKCS#8 form.
 */
export async function loadOrCreateKey(privateKeyFile?: string): Promise<KeyObject> {
  if (privateKeyFile === undefined) {
    const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: MIN_MODULUS_BITS });
    return privateKey;
  }
  return parsePrivateKey(await readKeyFile(privateKeyFile), privateKeyFile);
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the obshell private key: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
}

function parsePrivateKey(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message can quote key material; name the expected forms instead.
    throw new Error(`${path}: not an unencrypted PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY")`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`${path}: the obshell private key must be RSA, not ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) {
    throw new Error(`${path}: the obshell private key has ${bits} bits; use at least ${MIN_MODULUS_BITS}`);
  }
  return key;
}

/** What GET /api/v1/secret returns as `public_key`: base64 of the PKCS#1 DER public key. */
export function publicKeyBase64(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'pkcs1', format: 'der' }).toString('base64');
}

/** k, the size in bytes of the modulus and so of every RSA block. */
export function modulusBytes(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
}
