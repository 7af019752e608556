import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateKey, publicKeyBase64 } from '../../src/http/obshell/auth/key.js';
import { ReplayCache } from '../../src/http/obshell/auth/replay-cache.js';
import {
  createObshellVerifier,
  describeForLog,
  type AuthFailure,
  type AuthResult,
  type ObshellVerifier,
} from '../../src/http/obshell/auth/verify.js';
import { buildObshellHeader, encryptHeaderPlaintext, encryptRawBlocks, padPkcs1Type2 } from '../support/obshell-client.js';

const PASSWORD = 'S3cret-pässword';
const NOW_MS = 1_750_000_000_500;
const NOW = Math.floor(NOW_MS / 1000);
const URI = '/api/v1/tenant/t1/sessions?sort=time%2Cdesc&page=1';
const K = 256;

let key: KeyObject;
let publicKey: string;

beforeAll(async () => {
  key = await loadOrCreateKey();
  publicKey = publicKeyBase64(key);
});

function verifier(replayCache?: ReplayCache): ObshellVerifier {
  return createObshellVerifier({ key, password: PASSWORD, maxTsAheadMs: 35 * 60_000, now: () => NOW_MS, replayCache });
}

function header(overrides: { password?: string; uri?: string; ts?: number } = {}): string {
  return buildObshellHeader({ publicKey, password: PASSWORD, uri: URI, ts: NOW + 5, ...overrides }).header;
}

function expectFailure(result: AuthResult, errCode: string): AuthFailure {
  if (result.ok) throw new Error(`expected ${errCode}, got success`);
  expect(result.errCode).toBe(errCode);
  expect(result.status).toBe(401);
  return result;
}

/** A k-byte block that is PKCS#1 v1.5 type 2 except where `spoil` says. */
function paddedBlock(message: string, spoil: (em: Buffer) => void = () => {}): Buffer {
  const em = padPkcs1Type2(Buffer.from(message), K);
  spoil(em);
  return em;
}

/** A whole valid header plaintext, padded with spaces to `bytes`, so that only the padding can make a block fail. */
function validJson(bytes = 0): string {
  const json = JSON.stringify({ Auth: PASSWORD, Ts: String(NOW + 5), Uri: URI });
  return json + ' '.repeat(Math.max(0, bytes - Buffer.byteLength(json)));
}

describe('obshell header verification', () => {
  it('accepts a header built by the protocol client and returns its AES keys', () => {
    const built = buildObshellHeader({ publicKey, password: PASSWORD, uri: URI, ts: NOW + 5 });
    const result = verifier()({ header: built.header, uri: URI });
    expect(result).toEqual({ ok: true, keys: { key: built.keys.subarray(0, 16), iv: built.keys.subarray(16) } });
  });

  it('matches field names case-insensitively, as the Python SDK sends them', () => {
    const plaintext = JSON.stringify({ auth: PASSWORD, ts: String(NOW + 5), uri: URI, keys: randomBytes(32).toString('base64') });
    expect(verifier()({ header: encryptHeaderPlaintext(publicKey, plaintext), uri: URI }).ok).toBe(true);
  });

  it('accepts a header without Keys (no body to decrypt)', () => {
    const plaintext = JSON.stringify({ Auth: PASSWORD, Ts: String(NOW + 5), Uri: URI, Keys: null });
    expect(verifier()({ header: encryptHeaderPlaintext(publicKey, plaintext), uri: URI })).toEqual({ ok: true, keys: null });
  });

  it('accepts chunks of k - 11 bytes as well as 53', () => {
    const built = buildObshellHeader({ publicKey, password: PASSWORD, uri: URI, ts: NOW + 5, chunkSize: K - 11 });
    expect(verifier()({ header: built.header, uri: URI }).ok).toBe(true);
  });

  it('rejects a wrong password', () => {
    const failure = expectFailure(verifier()({ header: header({ password: 'guess' }), uri: URI }), 'Security.Authentication.IncorrectOceanbasePassword');
    expect(failure.message).not.toContain('guess');
  });

  it('rejects a password that is a prefix of the right one', () => {
    expectFailure(verifier()({ header: header({ password: PASSWORD.slice(0, -1) }), uri: URI }), 'Security.Authentication.IncorrectOceanbasePassword');
  });

  it('rejects a Ts in the past and accepts the current second', () => {
    expectFailure(verifier()({ header: header({ ts: NOW - 1 }), uri: URI }), 'Security.Authentication.Expired');
    expect(verifier()({ header: header({ ts: NOW }), uri: URI }).ok).toBe(true);
  });

  it('rejects a Ts further ahead than max_ts_ahead, saying so', () => {
    const failure = expectFailure(verifier()({ header: header({ ts: NOW + 36 * 60 }), uri: URI }), 'Security.Authentication.Expired');
    expect(failure.message).toMatch(/too far in the future/);
    expect(failure.message).toContain('2100 s');
  });

  it("accepts obshell's web UI headers, valid for 30 minutes", () => {
    expect(verifier()({ header: header({ ts: NOW + 30 * 60 }), uri: URI }).ok).toBe(true);
  });

  it('rejects a Uri with another path', () => {
    const failure = expectFailure(verifier()({ header: header({ uri: '/api/v1/tenant/t2/sessions' }), uri: URI }), 'Security.Authentication.Header.UriMismatch');
    expect(failure.message).toContain(URI);
  });

  it('rejects a Uri with another query string, or none', () => {
    for (const uri of ['/api/v1/tenant/t1/sessions?sort=time%2Cdesc&page=2', '/api/v1/tenant/t1/sessions']) {
      expectFailure(verifier()({ header: header({ uri }), uri: URI }), 'Security.Authentication.Header.UriMismatch');
    }
  });

  it('compares the raw, percent-encoded request URI: a decoded Uri does not match', () => {
    expect(verifier()({ header: header({ uri: URI }), uri: URI }).ok).toBe(true);
    const decoded = '/api/v1/tenant/t1/sessions?sort=time,desc&page=1';
    expectFailure(verifier()({ header: header({ uri: decoded }), uri: URI }), 'Security.Authentication.Header.UriMismatch');
  });

  it('rejects a replayed header', () => {
    const verify = verifier();
    const once = header();
    expect(verify({ header: once, uri: URI }).ok).toBe(true);
    const replay = expectFailure(verify({ header: once, uri: URI }), 'Security.Authentication.Expired');
    expect(replay.message).toMatch(/already used/);
    expect(replay.reason).toBe('replayed header');
  });

  it('remembers a header only after it fully authenticated', () => {
    const verify = verifier();
    const once = header();
    expectFailure(verify({ header: once, uri: '/api/v1/tenant/t1/sessions' }), 'Security.Authentication.Header.UriMismatch');
    expect(verify({ header: once, uri: URI }).ok).toBe(true);
  });

  it('keeps the replay cache within its bound', () => {
    const cache = new ReplayCache(3);
    const verify = verifier(cache);
    for (let i = 0; i < 6; i++) expect(verify({ header: header(), uri: URI }).ok).toBe(true);
    expect(cache.size).toBe(3);
  });

  it('answers Request.Header.NotFound without a header, and explains that v1 is unsupported', () => {
    expectFailure(verifier()({ header: undefined, uri: URI }), 'Request.Header.NotFound');
    expectFailure(verifier()({ header: '', uri: URI }), 'Request.Header.NotFound');
    const v1 = expectFailure(verifier()({ header: undefined, legacyHeader: 'abc', uri: URI }), 'Request.Header.NotFound');
    expect(v1.message).toMatch(/X-OCS-Auth .* not supported/);
  });

  describe('headers that do not decrypt all fail alike', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const otherPublicKey = other.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    const valid = (): string => header();
    const cases: Record<string, () => string> = {
      'garbage base64': () => '!!not*base64!!',
      'base64 with stray characters': () => `${valid().slice(0, 40)}\n${valid().slice(40)}`,
      'a block cut short': () => Buffer.from(valid(), 'base64').subarray(0, K * 2 - 7).toString('base64'),
      'random bytes of a wrong length': () => randomBytes(100).toString('base64'),
      'a block not below the modulus': () => Buffer.alloc(K, 0xff).toString('base64'),
      'more than 64 blocks': () => encryptHeaderPlaintext(publicKey, 'x'.repeat(65 * 53)),
      'encrypted with another key': () => buildObshellHeader({ publicKey: otherPublicKey, password: PASSWORD, uri: URI, ts: NOW + 5 }).header,
      'block type 1 instead of 2': () => encryptRawBlocks(publicKey, [paddedBlock(validJson(), (em) => (em[1] = 1))]),
      'a nonzero first byte': () => encryptRawBlocks(publicKey, [paddedBlock(validJson(), (em) => (em[0] = 1))]),
      'padding shorter than 8 bytes': () => encryptRawBlocks(publicKey, [paddedBlock(validJson(K - 10))]),
      'no zero after the padding': () => encryptRawBlocks(publicKey, [paddedBlock(validJson(), (em) => em.fill(0x42, 2))]),
      'a good first block and a spoilt second one': () => {
        const plaintext = validJson();
        const first = Buffer.from(encryptHeaderPlaintext(publicKey, plaintext.slice(0, 53)), 'base64');
        const second = Buffer.from(encryptRawBlocks(publicKey, [paddedBlock(plaintext.slice(53), (em) => (em[0] = 1))]), 'base64');
        return Buffer.concat([first, second]).toString('base64');
      },
      'plaintext that is not JSON': () => encryptHeaderPlaintext(publicKey, 'Auth=x'),
      'a JSON array': () => encryptHeaderPlaintext(publicKey, '[1]'),
      'Ts that is not unix seconds': () =>
        encryptHeaderPlaintext(publicKey, JSON.stringify({ Auth: PASSWORD, Ts: 'tomorrow', Uri: URI })),
      'Keys of the wrong length': () =>
        encryptHeaderPlaintext(publicKey, JSON.stringify({ Auth: PASSWORD, Ts: String(NOW + 5), Uri: URI, Keys: 'AAAA' })),
      'one field spelt twice': () =>
        encryptHeaderPlaintext(publicKey, `{"Auth":"x","auth":${JSON.stringify(PASSWORD)},"Ts":"${NOW + 5}","Uri":"${URI}"}`),
    };

    it('(the hand-padded blocks are valid when not spoilt)', () => {
      for (const length of [0, K - 11]) {
        expect(verifier()({ header: encryptRawBlocks(publicKey, [paddedBlock(validJson(length))]), uri: URI }).ok).toBe(true);
      }
    });

    const failures = Object.entries(cases).map(([name, build]) => {
      it(`rejects ${name}`, () => {
        expectFailure(verifier()({ header: build(), uri: URI }), 'Security.Authentication.Header.DecryptFailed');
      });
      return build;
    });

    it('with one message for all of them', () => {
      const messages = new Set(failures.map((build) => (verifier()({ header: build(), uri: URI }) as AuthFailure).message));
      expect(messages.size).toBe(1);
    });
  });

  it('never puts the password, the header or the Keys in a message or a log description', () => {
    const built = buildObshellHeader({ publicKey, password: PASSWORD, uri: URI, ts: NOW + 5 });
    const verify = verifier();
    const results = [
      verify({ header: built.header, uri: '/elsewhere' }),
      verify({ header: header({ password: `${PASSWORD}x` }), uri: URI }),
      verify({ header: header({ ts: NOW - 10 }), uri: URI }),
      verify({ header: header({ ts: NOW + 99_999 }), uri: URI }),
      verify({ header: built.header.slice(1), uri: URI }),
      verify({ header: built.header, uri: URI }),
      verify({ header: built.header, uri: URI }),
    ];
    const text = JSON.stringify(results.map((result) => [result.ok ? '' : result.message, describeForLog(result)]));
    for (const secret of [PASSWORD, built.header.slice(0, 32), built.header.slice(-32), built.keys.toString('base64')]) {
      expect(text).not.toContain(secret);
    }
    expect(results.filter((result) => !result.ok)).toHaveLength(6);
  });
});
