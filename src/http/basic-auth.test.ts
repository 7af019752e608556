import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcryptjs';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { BasicAuthGuard, type BasicAuthOptions } from './basic-auth.js';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('BasicAuthGuard', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function serve(users: Record<string, string>, failureLimit?: BasicAuthOptions['failureLimit']) {
    const warnings: object[] = [];
    const log = { warn: (fields: object) => void warnings.push(fields), debug: () => {} };
    const guard = new BasicAuthGuard(new Map(Object.entries(users)), { log, ...(failureLimit && { failureLimit }) });
    const app = express();
    app.get('/', guard.middleware, (_req, res) => void res.send('in'));
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const get = async (authorization?: string) => (await fetch(url, authorization ? { headers: { authorization } } : {})).status;
    return { guard, get, warnings };
  }

  it('is open when no users are configured', async () => {
    const { get } = await serve({});
    expect(await get()).toBe(200);
  });

  it('takes passwords with colons and unicode, and htpasswd $2y$ hashes', async () => {
    const { get } = await serve({
      alice: bcrypt.hashSync('p:ä:ss', 4),
      bob: bcrypt.hashSync('x', 4).replace(/^\$2b\$/, '$2y$'),
    });
    expect(await get(basic('alice:p:ä:ss'))).toBe(200);
    expect(await get(basic('bob:x'))).toBe(200);
    expect(await get(basic('alice:p'))).toBe(401);
    expect(await get(basic('carol:x'))).toBe(401);
    expect(await get(basic('no colon'))).toBe(401);
    expect(await get('Bearer abc')).toBe(401);
  });

  it('refuses a client past its failure budget with 429, right password or not, and logs no secret', async () => {
    const { get, warnings } = await serve({ alice: bcrypt.hashSync('right-password', 4) }, { failures: 3, perMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(await get(basic('alice:guess-password'))).toBe(401);
    expect(await get(basic('alice:right-password'))).toBe(429);
    expect(warnings).toHaveLength(3);
    expect(JSON.stringify(warnings)).not.toMatch(/password|alice/);
    expect(warnings.at(-1)).toMatchObject({ client: '127.0.0.1', limited: true });
  });

  it('applies new users at once and forgets remembered successes', async () => {
    const { guard, get } = await serve({ alice: bcrypt.hashSync('one', 4) });
    expect(await get(basic('alice:one'))).toBe(200);
    guard.setUsers(new Map([['alice', bcrypt.hashSync('two', 4)]]));
    expect(await get(basic('alice:one'))).toBe(401);
    expect(await get(basic('alice:two'))).toBe(200);
  });
});
