import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BearerTokens, TokenGate, TokensFileError, bearerTokenOf } from './tokens-file.js';

const FILE = `
# operators
  all-access-token
scoped-token   prod/sales, staging/*
target-token prod
tenant-token */hr
`;

describe('BearerTokens', () => {
  const tokens = BearerTokens.parse(FILE);

  it('skips blank lines and comments', () => {
    expect(tokens.size).toBe(4);
  });

  it('lets an unrestricted token read everything, including all targets at once', () => {
    expect(tokens.authorize('all-access-token')).toBe('ok');
    expect(tokens.authorize('all-access-token', 'prod')).toBe('ok');
    expect(tokens.authorize('all-access-token', 'prod', 'sales')).toBe('ok');
  });

  it('refuses missing, empty, unknown and near-miss tokens as unauthenticated', () => {
    for (const presented of [undefined, '', 'nope', 'all-access-toke', 'all-access-tokenX', 'ALL-ACCESS-TOKEN']) {
      expect(tokens.authorize(presented, 'prod', 'sales')).toBe('unauthenticated');
    }
  });

  it('holds a scoped token to its target/tenant grants', () => {
    expect(tokens.authorize('scoped-token', 'prod', 'sales')).toBe('ok');
    expect(tokens.authorize('scoped-token', 'prod', 'hr')).toBe('forbidden');
    expect(tokens.authorize('scoped-token', 'prod')).toBe('forbidden');
    expect(tokens.authorize('scoped-token', 'staging', 'anything')).toBe('ok');
    expect(tokens.authorize('scoped-token', 'staging')).toBe('ok');
    expect(tokens.authorize('scoped-token')).toBe('forbidden');
  });

  it('reads a bare target as every tenant of it, and */tenant as that tenant anywhere', () => {
    expect(tokens.authorize('target-token', 'prod')).toBe('ok');
    expect(tokens.authorize('target-token', 'prod', 'x')).toBe('ok');
    expect(tokens.authorize('target-token', 'staging', 'x')).toBe('forbidden');
    expect(tokens.authorize('tenant-token', 'any', 'hr')).toBe('ok');
    expect(tokens.authorize('tenant-token', undefined, 'hr')).toBe('ok');
    expect(tokens.authorize('tenant-token', 'any')).toBe('forbidden');
  });

  it('rejects malformed lines with the line number and without echoing the token', () => {
    const cases = [
      ['ok-token\nsecret-one prod/sales/x', /line 2: "prod\/sales\/x" is not a scope/],
      ['secret-one prod/', /line 1: "prod\/" is not a scope/],
      ['secret-one prod,,staging', /line 1: "" is not a scope/],
      ['sécret', /line 1: a token must be visible ASCII/],
      ['secret-one\n\nsecret-one prod', /line 3: the token repeats line 1/],
    ] as const;
    for (const [text, message] of cases) {
      const parse = () => BearerTokens.parse(text);
      expect(parse).toThrow(TokensFileError);
      expect(parse).toThrow(message);
      expect(() => BearerTokens.parse(text)).not.toThrow(/secret-one|sécret/);
    }
  });

  it('reads a file, and names the file when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tokens-'));
    const path = join(dir, 'tokens');
    await writeFile(path, 'file-token t1\r\n');
    expect((await BearerTokens.read(path)).authorize('file-token', 't1', 'x')).toBe('ok');
    await expect(BearerTokens.read(join(dir, 'missing'))).rejects.toThrow(/cannot read tokens file .*missing: ENOENT/);
  });
});

describe('bearerTokenOf', () => {
  it('takes the token of a Bearer header, whatever the scheme case', () => {
    expect(bearerTokenOf('Bearer abc')).toBe('abc');
    expect(bearerTokenOf('bearer  abc ')).toBe('abc');
    expect(bearerTokenOf(undefined)).toBeUndefined();
    expect(bearerTokenOf('Basic abc')).toBeUndefined();
    expect(bearerTokenOf('Bearer a b')).toBeUndefined();
    expect(bearerTokenOf('Bearer')).toBeUndefined();
  });
});

describe('TokenGate', () => {
  const tokens = BearerTokens.parse('good prod');

  function gate(failures = 2) {
    let now = 0;
    const lines: object[] = [];
    const g = new TokenGate(tokens, {
      api: 'dashboard',
      log: { warn: (fields) => lines.push(fields) },
      failureLimit: { failures, perMs: 1000 },
      now: () => now,
    });
    return { gate: g, lines, advance: (ms: number) => (now += ms) };
  }

  it('lets every request through when no tokens are configured', () => {
    const open = new TokenGate(undefined, { api: 'dashboard' });
    expect(open.enabled).toBe(false);
    expect(open.check(undefined, '10.0.0.1')).toEqual({ outcome: 'ok' });
  });

  it('limits failed guesses per client address, and lets the client back after the wait', () => {
    const { gate: g, advance } = gate();
    expect(g.check('bad', '10.0.0.1', 'prod').outcome).toBe('unauthenticated');
    expect(g.check('bad', '10.0.0.1', 'prod').outcome).toBe('unauthenticated');
    expect(g.check('good', '10.0.0.1', 'prod')).toEqual({ outcome: 'rate_limited', retryAfterMs: 500 });
    expect(g.check('good', '10.0.0.2', 'prod').outcome).toBe('ok');
    advance(500);
    expect(g.check('good', '10.0.0.1', 'prod').outcome).toBe('ok');
  });

  it('does not count a missing token or a forbidden scope as a guess', () => {
    const { gate: g } = gate(1);
    expect(g.check(undefined, 'c', 'prod').outcome).toBe('unauthenticated');
    expect(g.check('good', 'c', 'staging').outcome).toBe('forbidden');
    expect(g.check('good', 'c', 'prod').outcome).toBe('ok');
  });

  it('logs each failure with client and reason but never the token', () => {
    const { gate: g, lines } = gate(1);
    g.check('guess-1', '10.0.0.9', 'prod', 't');
    g.check('good', '10.0.0.8', 'staging');
    expect(lines).toEqual([
      { api: 'dashboard', client: '10.0.0.9', target: 'prod', tenant: 't', reason: 'unknown token', limited: true },
      { api: 'dashboard', client: '10.0.0.8', target: 'staging', tenant: undefined, reason: 'token not allowed this scope', limited: false },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/guess-1|good/);
  });

  it('swaps tokens on reload and keeps the failure budget', () => {
    const { gate: g } = gate(1);
    g.check('bad', 'c', 'prod');
    g.use(BearerTokens.parse('bad'));
    expect(g.check('bad', 'c', 'prod').outcome).toBe('rate_limited');
    expect(g.check('bad', 'd', 'prod').outcome).toBe('ok');
    expect(g.check('good', 'd', 'prod').outcome).toBe('unauthenticated');
  });
});
