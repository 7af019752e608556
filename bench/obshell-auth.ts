/**
 * obshell "API hybrid encryption" verification: throughput, and mean time per outcome, to show
 * that a wrong password, bad padding, good padding around garbage and a good header cost the
 * same to within noise (the RSA private operations dominate and happen for every block
 * whatever the padding).
 *   node --import tsx bench/obshell-auth.ts
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadOrCreateKey, publicKeyBase64 } from '../src/http/obshell/auth/key.js';
import { stripPkcs1Type2 } from '../src/http/obshell/auth/pkcs1-type2.js';
import { createObshellVerifier, type AuthRequest } from '../src/http/obshell/auth/verify.js';
import { buildObshellHeader, encryptRawBlocks, OBSHELL_CHUNK, padPkcs1Type2 } from '../test/support/obshell-client.js';

const PASSWORD = 'bench-password';
const URI = '/api/v1/tenant/sys/sessions?sort=time%2Cdesc&page=1&size=100';
const PER_KIND = 1500;
const K = 256;

const key = await loadOrCreateKey();
const publicKey = publicKeyBase64(key);
const ts = Math.floor(Date.now() / 1000) + 1800;
const verify = createObshellVerifier({ key, password: PASSWORD, maxTsAheadMs: 35 * 60_000 });

function headerWith(password: string): string {
  return buildObshellHeader({ publicKey, password, uri: URI, ts }).header;
}

const plaintext = Buffer.from(JSON.stringify({ Auth: PASSWORD, Ts: String(ts), Uri: URI, Keys: Buffer.alloc(32).toString('base64') }));

/**
 * The same plaintext, chunked like a client, with the last block changed as an attacker
 * probing for a padding oracle would: spoilt padding, or good padding around garbage. Both must
 * look alike.
 */
function probeHeader(spoilPadding: boolean): string {
  const blocks: Buffer[] = [];
  for (let offset = 0; offset < plaintext.length; offset += OBSHELL_CHUNK) {
    const chunk = plaintext.subarray(offset, offset + OBSHELL_CHUNK);
    const last = offset + OBSHELL_CHUNK >= plaintext.length;
    const em = padPkcs1Type2(last && !spoilPadding ? randomBytes(chunk.length) : chunk, K);
    if (last && spoilPadding) em[1] = 1;
    blocks.push(em);
  }
  return encryptRawBlocks(publicKey, blocks);
}

const kinds = {
  good: Array.from({ length: PER_KIND }, () => headerWith(PASSWORD)),
  'wrong password': Array.from({ length: PER_KIND }, () => headerWith('not-the-password')),
  'bad padding': Array.from({ length: PER_KIND }, () => probeHeader(true)),
  'padded garbage': Array.from({ length: PER_KIND }, () => probeHeader(false)),
};
const blocksPerHeader = Buffer.from(kinds.good[0]!, 'base64').length / K;

function timeOne(request: AuthRequest, expectOk: boolean): number {
  const start = performance.now();
  const result = verify(request);
  const elapsed = performance.now() - start;
  if (result.ok !== expectOk) throw new Error(`unexpected result ${JSON.stringify(result)}`);
  return elapsed;
}

// Interleaved in random order, so that drift (CPU frequency, GC) spreads over every kind alike.
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(kinds).map((kind) => [kind, []]));
for (let i = 0; i < PER_KIND; i++) {
  for (const [kind, headers] of Object.entries(kinds).sort(() => Math.random() - 0.5)) {
    samples[kind]!.push(timeOne({ header: headers[i]!, uri: URI }, kind === 'good'));
  }
}

function stats(values: number[]): { mean: number; median: number; sd: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, median: sorted[Math.floor(sorted.length / 2)]!, sd };
}

console.log(`obshell auth: RSA 2048, ${blocksPerHeader} blocks per header (53-byte chunks), ${PER_KIND} headers per kind, node ${process.version}`);
const goodMean = stats(samples.good!).mean;
for (const [kind, values] of Object.entries(samples)) {
  const { mean, median, sd } = stats(values);
  const vsGood = ((mean / goodMean - 1) * 100).toFixed(1);
  console.log(
    `  ${kind.padEnd(15)} mean ${(mean * 1000).toFixed(1)} µs  median ${(median * 1000).toFixed(1)} µs  sd ${(sd * 1000).toFixed(1)} µs  (${vsGood}% vs good, standard error of a mean ${((sd / Math.sqrt(values.length)) * 1000).toFixed(1)} µs)`,
  );
}
console.log(`  verifications per second (good headers, one core): ${Math.round(1000 / goodMean)}`);

// The unpadding alone, outside RSA's noise: after warm-up, rounds in random order, medians.
function unpadMicroseconds(em: Uint8Array, rounds: number): number {
  const start = performance.now();
  for (let i = 0; i < rounds; i++) stripPkcs1Type2(em);
  return ((performance.now() - start) / rounds) * 1000;
}
const goodBlock = padPkcs1Type2(Buffer.from('x'.repeat(OBSHELL_CHUNK)), K);
const badBlock = Buffer.from(goodBlock);
badBlock[1] = 1;
const blocks: Record<string, Uint8Array> = {
  '53-byte message': goodBlock,
  '1-byte message': padPkcs1Type2(Buffer.from('x'), K),
  'bad padding': badBlock,
};
for (const em of Object.values(blocks)) unpadMicroseconds(em, 20_000);
const unpadSamples = new Map<string, number[]>(Object.keys(blocks).map((name) => [name, []]));
for (let round = 0; round < 31; round++) {
  for (const name of Object.keys(blocks).sort(() => Math.random() - 0.5)) unpadSamples.get(name)!.push(unpadMicroseconds(blocks[name]!, 5000));
}
const medians = [...unpadSamples].map(([name, values]) => `${name} ${stats(values).median.toFixed(2)} µs`);
console.log(`  PKCS#1 unpadding per block (median of 31 rounds): ${medians.join(', ')}`);
