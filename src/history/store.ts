import { mkdir, rm } from 'node:fs/promises';
import type { ObservedSession } from './observed-session.js';
import { listTargetDirs, targetDir } from './segment-files.js';
import { lockStore } from './store-lock.js';
import { TargetLog, type HistoryLogger, type TargetLogOptions } from './target-log.js';
import type { RowMaker } from './ordered-rows.js';
import { countWindow, type GroupBy } from './window-count.js';

export type { ObservedSession } from './observed-session.js';
export type { GroupBy } from './window-count.js';
export type { HistoryLogger } from './target-log.js';

export interface HistoryQuery<B extends GroupBy = GroupBy> {
  readonly target: string;
  readonly tenant: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, inclusive. */
  readonly to: number;
  readonly by: B;
  /** Only these schemas ("" = none); all when absent. */
  readonly dbs?: readonly string[];
}

export type SessionCount<B extends GroupBy = GroupBy> = B extends 'client'
  ? { db: string; client_ip: string; sessions: number }
  : { db: string; user: string; sessions: number };

export interface HistoryStore {
  /** Call after every successful scrape of `target` with every session alive at `observedAt` (ms). */
  record(target: string, observedAt: number, alive: readonly ObservedSession[]): Promise<void>;
  /**
   * Distinct sessions seen alive in [from, to] (first seen <= to, last seen >= from), one row
   * per schema and client IP or user, most sessions first. Each session counts once, under the
   * schema it was in at its last scrape up to `to`.
   */
  query<B extends GroupBy>(query: HistoryQuery<B>): Promise<Array<SessionCount<B>>>;
  /** Oldest instant still answered: the later of now - retention and the first data kept (now when none). */
  retentionStart(now: number, target?: string): number;
  /** Resolves when every record() issued so far is on disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface HistoryStoreOptions {
  readonly path: string;
  readonly retentionMs: number;
  readonly log?: HistoryLogger;
  /** fsync after every scrape (default). Turn off only for bulk loads: a crash of the process still loses nothing written. */
  readonly sync?: boolean;
}

export async function openHistoryStore(options: HistoryStoreOptions): Promise<HistoryStore> {
  await mkdir(options.path, { recursive: true });
  const unlock = await lockStore(options.path);
  const logOptions: TargetLogOptions = { sync: options.sync ?? true, log: options.log };
  const logs = new Map<string, TargetLog>();
  try {
    for (const dir of await listTargetDirs(options.path)) {
      const log = await TargetLog.recover(dir, logOptions);
      if (log === null) await rm(dir, { recursive: true, force: true });
      else logs.set(log.target, log);
    }
  } catch (error) {
    await unlock();
    throw error;
  }
  return new SegmentedHistoryStore(options, logOptions, logs, unlock);
}

class SegmentedHistoryStore implements HistoryStore {
  private closed = false;

  constructor(
    private readonly options: HistoryStoreOptions,
    private readonly logOptions: TargetLogOptions,
    private readonly logs: Map<string, TargetLog>,
    private readonly unlock: () => Promise<void>,
  ) {}

  async record(target: string, observedAt: number, alive: readonly ObservedSession[]): Promise<void> {
    this.assertOpen();
    let log = this.logs.get(target);
    if (log === undefined) {
      log = TargetLog.empty(target, targetDir(this.options.path, target), this.logOptions);
      this.logs.set(target, log);
    }
    await log.record(observedAt, alive);
    const cutoff = observedAt - this.options.retentionMs;
    for (const other of this.logs.values()) {
      if (other === log) continue;
      other.dropBefore(cutoff).catch((error: unknown) => this.options.log?.warn({ target: other.target, error: String(error) }, 'history: retention failed'));
    }
    await log.dropBefore(cutoff);
  }

  async query<B extends GroupBy>(query: HistoryQuery<B>): Promise<Array<SessionCount<B>>> {
    this.assertOpen();
    const log = this.logs.get(query.target);
    if (log === undefined || query.from > query.to) return [];
    return countWindow(log.views(), query, rowMaker(query.by), this.options.log);
  }

  retentionStart(now: number, target?: string): number {
    const logs = target === undefined ? [...this.logs.values()] : [this.logs.get(target)];
    const firsts = logs.map((log) => log?.firstInstant() ?? null).filter((first) => first !== null);
    return Math.max(now - this.options.retentionMs, firsts.length > 0 ? Math.min(...firsts) : now);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.logs.values()].map((log) => log.settled()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.logs.values()].map((log) => log.close()));
    await this.unlock();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('history store is closed');
  }
}

/** Names a row's second dimension after the grouping. */
function rowMaker<B extends GroupBy>(by: B): RowMaker<SessionCount<B>> {
  // The conditional type cannot follow `by` through a runtime branch.
  const maker: RowMaker<SessionCount> =
    by === 'client' ? (db, client_ip, sessions) => ({ db, client_ip, sessions }) : (db, user, sessions) => ({ db, user, sessions });
  return maker as RowMaker<SessionCount<B>>;
}
