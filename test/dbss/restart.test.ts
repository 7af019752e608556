import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../appgate/dashboard-client.js';
import { startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { between, clientItems, postStatistics, sleep, summary } from './dbss-client.js';

const HOUR = { time: { time_range: 'HOUR' } };

describe('history through restarts and kill -9 of the exporter process', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess | undefined;
  let dir: string;
  const sessions: Connection[] = [];
  let start = 0;

  const config = () => ({
    scrape_interval: '1s',
    targets: [{ name: 'prod', url: db.url, flavor: 'mysql', tenant: 'main' }],
    history: { path: join(dir, 'history') },
  });
  const counts = async (body: unknown) => summary(await clientItems(exporter!.url, { project: 'prod', instance: 'main', body }));

  async function open(address: string): Promise<Connection> {
    const stream = () => connect({ host: db.host, port: db.port, localAddress: address });
    const session = await db.connect({ user: 'app', database: 'shop', stream });
    sessions.push(session);
    return session;
  }

  /** Waits until the last half hour counts `expected` sessions of `address`. */
  async function seen(address: string, expected: number): Promise<void> {
    await eventually(async () => expect(await counts({ time: { time_range: 'HALF_HOUR' } })).toContain(`${expected} - shop ${address}`));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dbss-restart-'));
    db = await startTestDatabase();
    const admin = await db.connect();
    await admin.query('CREATE DATABASE shop');
    await admin.query("CREATE USER 'app'@'%'");
    await admin.query("GRANT ALL ON shop.* TO 'app'@'%'");
    await admin.end();
    start = Date.now();
    exporter = await startExporterProcess(config());
  });

  afterAll(async () => {
    await exporter?.stop();
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers earlier windows the same after a restart, and counts a session alive across it once', async () => {
    await open('127.0.0.2');
    await open('127.0.0.2');
    const leaving = await open('127.0.0.3');
    await seen('127.0.0.2', 2);
    await seen('127.0.0.3', 1);
    await leaving.end();
    await sleep(2500);
    const before = Date.now();
    const window = between(start - 60_000, before);
    const answer = await counts(window);
    expect(answer).toEqual(['2 - shop 127.0.0.2', '1 - shop 127.0.0.3']);

    expect(await exporter!.stop()).toBe(0);
    exporter = await startExporterProcess(config());
    expect(await counts(window)).toEqual(answer);
    // The two sessions of 127.0.0.2 outlived the restart: the same two sessions, not four.
    await sleep(2500);
    expect(await counts(HOUR)).toEqual(['2 - shop 127.0.0.2', '1 - shop 127.0.0.3']);
    await open('127.0.0.2');
    await seen('127.0.0.2', 3);
  });

  it('loses nothing it had answered when killed with SIGKILL in the middle of its writes, again and again', async () => {
    for (const [round, address] of ['127.0.0.4', '127.0.0.5', '127.0.0.6'].entries()) {
      await open(address);
      // Once the API counts it, the scrape that saw it is on disk.
      await seen(address, 1);
      const window = between(start - 60_000, Date.now());
      const answer = await counts(window);
      expect(answer).toContain(`1 - shop ${address}`);
      // Scrapes are written every second: kill at a different point of that second each round.
      await sleep(round * 330);
      expect(await exporter!.stop('SIGKILL')).toBeNull();
      exporter = await startExporterProcess(config());
      expect(await counts(window)).toEqual(answer);
      expect((await postStatistics(exporter.url, { project: 'prod', instance: 'main', body: HOUR })).status).toBe(200);
    }
    // Every session still open is one session, however many restarts it outlived.
    await sleep(2500);
    expect(await counts(HOUR)).toEqual(['3 - shop 127.0.0.2', '1 - shop 127.0.0.3', '1 - shop 127.0.0.4', '1 - shop 127.0.0.5', '1 - shop 127.0.0.6']);
  });

  it('refuses to start on a history directory another running exporter holds', async () => {
    await expect(startExporterProcess(config())).rejects.toThrow(/cannot open the history store: history store .* is in use by process \d+/);
  });
});
