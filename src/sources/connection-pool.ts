import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import mysql, { type Connection, type ConnectionOptions } from 'mysql2/promise';
import type { TargetConfig } from '../config/schema.js';

/** A query or connect that ran past its time limit: the connection was destroyed. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export interface PoolOptions {
  readonly target: TargetConfig;
  /** Time limit of one `use()`, connect included. */
  readonly timeoutMs: number;
  /** At most this many connections to the server at once (mysqld_exporter uses 2). */
  readonly maxConnections: number;
  /** Runs once on every new connection before it is used (session settings). */
  readonly prepare: (connection: Connection) => Promise<void>;
}

/**
 * A tiny pool of at most `maxConnections` connections. mysql2's own pool fixes the password at
 * creation; ours re-reads `password_file` at every connect so rotated credentials just work, and
 * destroys a connection whose work ran past its deadline so an abandoned scrape frees the server.
 *
 * Every step of `use()` (waiting for a slot, connecting, session setup, the work) is bounded by
 * one deadline, and whatever is abandoned there still ends up back in the pool or destroyed: a
 * slot is never lost, and the server never sees more than `maxConnections` of ours at once.
 */
export class ConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly live = new Set<Connection>();
  /** Rejects a waiting step of a `use()`; mysql2 never settles a query whose connection was destroyed. */
  private readonly pending = new Set<(error: Error) => void>();
  private opening = 0;
  /**
   * Slots of connections destroyed mid-statement. The server notices only when that statement
   * ends, at the latest `timeoutMs` later (the session's statement time limit), so the slot stays
   * taken until then and a replacement never runs beside it.
   */
  private draining = 0;
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /** Thread ids of this pool's own connections, to leave them out of the session list. */
  ownThreadIds(): ReadonlySet<number> {
    return new Set([...this.live].map((c) => c.threadId));
  }

  async use<T>(work: (connection: Connection) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.timeoutMs;
    const acquiring = this.acquire(deadline);
    const connection = await this.withDeadline(acquiring, deadline, () => {
      // Too late for this caller; the next one may have it.
      acquiring.then(
        (late) => this.release(late),
        () => {},
      );
    });
    let timedOut = false;
    try {
      const result = await this.withDeadline(work(connection), deadline, () => {
        timedOut = true;
        this.abandon(connection);
      });
      this.release(connection);
      return result;
    } catch (error) {
      if (!timedOut) this.discard(connection, error);
      throw error;
    }
  }

  /** Destroys every connection; work in flight fails at once. */
  async close(): Promise<void> {
    this.closed = true;
    for (const abort of [...this.pending]) abort(new Error('connection pool is closed'));
    for (const connection of this.live) connection.destroy();
    this.live.clear();
    this.idle.length = 0;
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async acquire(deadline: number): Promise<Connection> {
    for (;;) {
      if (this.closed) throw new Error('connection pool is closed');
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.live.size + this.opening + this.draining < this.options.maxConnections) return this.open(deadline);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private async open(deadline: number): Promise<Connection> {
    this.opening++;
    try {
      const remainingMs = Math.max(1, deadline - Date.now());
      const connection = await mysql.createConnection(await connectionOptions(this.options.target, remainingMs));
      // An error event on an idle connection must not crash the process; the next use sees it.
      connection.on('error', () => this.discard(connection, null));
      try {
        await this.withDeadline(this.options.prepare(connection), deadline, () => this.abandon(connection));
        if (this.closed) throw new Error('connection pool is closed');
      } catch (error) {
        connection.destroy();
        throw error;
      }
      this.live.add(connection);
      return connection;
    } finally {
      this.opening--;
      this.wakeOne();
    }
  }

  private release(connection: Connection): void {
    if (!this.live.has(connection)) return;
    if (this.closed) return this.discard(connection, null);
    this.idle.push(connection);
    this.wakeOne();
  }

  /** Destroys a connection whose statement may still run on the server, keeping its slot for now. */
  private abandon(connection: Connection): void {
    this.draining++;
    this.discard(connection, null);
    setTimeout(() => {
      this.draining--;
      this.wakeOne();
    }, this.options.timeoutMs).unref();
  }

  /** An error the server answered (a SQL error) leaves the connection usable; anything else does not. */
  private discard(connection: Connection, error: unknown): void {
    if (isServerError(error)) return this.release(connection);
    this.live.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    connection.destroy();
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }

  private withDeadline<T>(work: Promise<T>, deadline: number, onTimeout: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        this.pending.delete(abort);
        finish();
      };
      const abort = (error: Error) => settle(() => reject(error));
      const timer = setTimeout(
        () =>
          settle(() => {
            onTimeout();
            reject(new TimeoutError(`no answer within ${this.options.timeoutMs} ms`));
          }),
        Math.max(0, deadline - Date.now()),
      );
      this.pending.add(abort);
      work.then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
  }
}

function isServerError(error: unknown): boolean {
  const e = error as { sqlState?: unknown; fatal?: unknown } | null;
  return typeof e?.sqlState === 'string' && e.fatal !== true;
}

/** Host (IPv6 without brackets), port and user of a target's mysql:// URL. */
export function targetAddress(target: TargetConfig): { host: string; port: number; user: string } {
  const url = new URL(target.url);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
  };
}

async function connectionOptions(target: TargetConfig, timeoutMs: number): Promise<ConnectionOptions> {
  const address = targetAddress(target);
  const options: ConnectionOptions = {
    ...address,
    password: await readPassword(target),
    connectTimeout: timeoutMs,
    supportBigNumbers: true,
    decimalNumbers: true,
    dateStrings: true,
    multipleStatements: false,
    connectAttributes: { program_name: 'db-session-exporter' },
  };
  return target.tls ? { ...options, ...(await tlsConnection(target.tls, address)) } : options;
}

type Tls = NonNullable<TargetConfig['tls']>;

/**
 * mysql2 checks the certificate against a name only with `verifyIdentity`, and takes that name
 * (and SNI) from `host` alone, ignoring `ssl.servername`. So with `server_name` the name goes in
 * `host` and the socket to the target's real address is opened here.
 */
async function tlsConnection(tls: Tls, address: { host: string; port: number }): Promise<ConnectionOptions> {
  const ssl = await tlsOptions(tls);
  if (tls.server_name === undefined) return { ssl };
  return {
    ssl,
    host: tls.server_name,
    stream: () => connect({ host: address.host, port: address.port }).setNoDelay(true),
  };
}

async function readPassword(target: TargetConfig): Promise<string | undefined> {
  if (target.password !== undefined) return target.password;
  if (target.password_file === undefined) return undefined;
  try {
    return (await readFile(target.password_file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    // Say which file, never what is in it.
    throw new Error(`cannot read password_file ${target.password_file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function tlsOptions(tls: Tls): Promise<NonNullable<ConnectionOptions['ssl']>> {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFile(path, 'utf8'));
  const [ca, cert, key] = await Promise.all([read(tls.ca_file), read(tls.cert_file), read(tls.key_file)]);
  const verify = !tls.insecure_skip_verify;
  return {
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
    // A trusted certificate is not enough: it must also name the server (server_name, else the
    // URL's host, an IP address included), as Prometheus' own TLS clients require.
    rejectUnauthorized: verify,
    verifyIdentity: verify,
  };
}
