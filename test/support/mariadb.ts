import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql, { type Connection, type ConnectionOptions } from 'mysql2/promise';

/** A MariaDB server for one test file: private (own data dir and port) or TEST_MYSQL_URL. */
export interface TestDatabase {
  /** mysql://root@127.0.0.1:PORT */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Whether this harness owns the server (and so may stop and start it). */
  readonly private: boolean;
  connect(options?: Partial<ConnectionOptions>): Promise<Connection>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function requireBinary(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(`${name} is not installed: the integration tests need a real MariaDB (apt-get install mariadb-server)`);
  }
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(options: ConnectionOptions, child: ChildProcess | null, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const connection = await mysql.createConnection(options);
      await connection.end();
      return;
    } catch (error) {
      if (child?.exitCode !== null && child?.exitCode !== undefined) {
        throw new Error(`mariadbd exited with ${child.exitCode}:\n${log()}`);
      }
      if (Date.now() > deadline) throw new Error(`MariaDB did not come up: ${String(error)}\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface TestDatabaseOptions {
  /** Extra mariadbd options, after the defaults so that they win (benchmarks size the buffer pool). */
  readonly serverArgs?: readonly string[];
}

/**
 * Starts a private mariadbd (temporary data dir, its own port, performance_schema=ON so that
 * connect attributes are readable), unless TEST_MYSQL_URL names a server to use instead.
 */
export async function startTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const external = process.env.TEST_MYSQL_URL;
  if (external) return externalDatabase(external);

  const mariadbd = requireBinary('mariadbd');
  const installDb = requireBinary('mariadb-install-db');
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-mariadb-'));
  const install = spawnSync(
    installDb,
    // Each server its own tmpdir: concurrent installs otherwise collide on /tmp's temporary tables.
    ['--no-defaults', `--datadir=${dir}/data`, `--tmpdir=${dir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`);
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = '';
  const connection: ConnectionOptions = { host: '127.0.0.1', port, user: 'root', connectTimeout: 2000 };

  const start = async () => {
    output = '';
    child = spawn(
      mariadbd,
      [
        '--no-defaults',
        `--datadir=${dir}/data`,
        `--tmpdir=${dir}`,
        '--user=root',
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${dir}/mysqld.sock`,
        `--pid-file=${dir}/mysqld.pid`,
        '--performance-schema=ON',
        '--innodb-buffer-pool-size=32M',
        '--max-connections=2000',
        '--skip-log-bin',
        '--skip-name-resolve',
        ...(options.serverArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitUntilUp(connection, child, () => output);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `mysql://root@127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    private: true,
    connect: (extra) => mysql.createConnection({ ...connection, ...extra }),
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function externalDatabase(text: string): TestDatabase {
  const url = new URL(text);
  const options: ConnectionOptions = {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
  };
  const refuse = async () => {
    throw new Error('TEST_MYSQL_URL names a server this test does not own: it cannot stop or start it');
  };
  return {
    url: `mysql://${options.user}@${options.host}:${options.port}`,
    host: options.host!,
    port: options.port!,
    private: false,
    connect: (extra) => mysql.createConnection({ ...options, ...extra }),
    stop: refuse,
    start: refuse,
    destroy: async () => {},
  };
}
