import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { FrameScan, frame } from './frames.js';
import type { ObservedSession } from './observed-session.js';
import { decodeRecord, encodeRecord, type CarriedSession, type OpenRecord, type SegmentRecord, type StartedSession } from './records.js';
import { dayStartOf, listSegments, segmentPath, writeFileDurably } from './segment-files.js';

export interface HistoryLogger {
  warn(details: object, message: string): void;
}

export interface TargetLogOptions {
  /** fsync after every scrape (a power cut then loses at most that scrape). */
  readonly sync: boolean;
  readonly log: HistoryLogger | undefined;
}

/** A segment as a query sees it: read `path` up to `limit` bytes. */
export interface SegmentView {
  readonly path: string;
  readonly since: number;
  readonly limit: number;
}

interface AliveSession {
  sid: number;
  readonly firstSeen: number;
  readonly tenant: string;
  db: string;
  readonly user: string;
  readonly client_ip: string;
}

interface ActiveSegment {
  readonly path: string;
  readonly dayStart: number;
  readonly handle: FileHandle;
  /** Bytes of whole frames written: a query reads no further, a failed write is cut back to it. */
  size: number;
  readonly strings: StringTable;
  nextSid: number;
}

/**
 * The history of one target: its segment files and, in memory, only the sessions alive at its
 * last scrape. Operations run one at a time in call order, so a scrape, a retention pass and a
 * close never interleave.
 */
export class TargetLog {
  private segments: Array<{ path: string; since: number }> = [];
  private active: ActiveSegment | null = null;
  private alive = new Map<string, AliveSession>();
  private lastScrape: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly target: string,
    private readonly dir: string,
    private readonly options: TargetLogOptions,
  ) {}

  static empty(target: string, dir: string, options: TargetLogOptions): TargetLog {
    return new TargetLog(target, dir, options);
  }

  /**
   * Rebuilds a target's state from its directory: indexes every segment by its first record and
   * replays the newest one, cutting off a torn or garbled tail. Null when nothing usable is left.
   */
  static async recover(dir: string, options: TargetLogOptions): Promise<TargetLog | null> {
    const indexed: Array<{ path: string; open: OpenRecord }> = [];
    for (const path of await listSegments(dir)) {
      const open = await readOpenRecord(path);
      if (open === null) {
        options.log?.warn({ path }, 'history: removing a segment whose first record is unreadable');
        await rm(path, { force: true });
        continue;
      }
      indexed.push({ path, open });
    }
    const newest = indexed.at(-1);
    if (newest === undefined) return null;
    const log = new TargetLog(newest.open.target, dir, options);
    log.segments = indexed.map(({ path, open }) => ({ path, since: open.since }));
    await log.replay(newest.path);
    return log;
  }

  /** Records the sessions alive at `at`; a scrape not after the previous one is ignored. */
  record(at: number, observed: readonly ObservedSession[]): Promise<void> {
    if (!Number.isSafeInteger(at) || at < 0) return Promise.reject(new RangeError(`scrape time must be whole epoch milliseconds, got ${at}`));
    return this.enqueue(() => this.write(at, observed));
  }

  /** Deletes what no window after `cutoff` needs: segments followed by one that starts by then, or all of it. */
  dropBefore(cutoff: number): Promise<void> {
    return this.enqueue(async () => {
      while ((this.segments[1]?.since ?? Number.POSITIVE_INFINITY) <= cutoff) {
        const expired = this.segments.shift();
        if (expired !== undefined) await rm(expired.path, { force: true });
      }
      if (this.lastScrape !== null && this.lastScrape <= cutoff) await this.forget();
    });
  }

  /** The segments a query reads, frozen at their committed length. */
  views(): SegmentView[] {
    return this.segments.map(({ path, since }) => ({
      path,
      since,
      limit: path === this.active?.path ? this.active.size : Number.POSITIVE_INFINITY,
    }));
  }

  /** The oldest instant this target's files still describe, or null when it has none. */
  firstInstant(): number | null {
    return this.segments[0]?.since ?? null;
  }

  /** Resolves once every operation queued so far is done. */
  settled(): Promise<void> {
    return this.enqueue(async () => undefined);
  }

  close(): Promise<void> {
    return this.enqueue(async () => {
      await this.active?.handle.close();
      this.active = null;
    });
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async write(at: number, observed: readonly ObservedSession[]): Promise<void> {
    if (this.lastScrape !== null && at <= this.lastScrape) {
      this.options.log?.warn({ target: this.target, at, lastScrape: this.lastScrape }, 'history: ignoring a scrape not after the previous one');
      return;
    }
    const current = new Map(observed.map((session) => [session.key, session]));
    const active = this.active?.dayStart === dayStartOf(at) ? this.active : await this.rotate(at);
    const { strings } = active;
    const mark = strings.size;
    const ended = [...this.alive].filter(([key]) => !current.has(key));
    const moved: Array<{ sid: number; db: number }> = [];
    const started: Array<[ObservedSession, StartedSession]> = [];
    for (const session of current.values()) {
      const known = this.alive.get(session.key);
      if (known === undefined) started.push([session, { key: session.key, ...strings.dims(session) }]);
      else if (known.db !== session.db) moved.push({ sid: known.sid, db: strings.id(session.db) });
    }
    const record: SegmentRecord = {
      kind: 'scrape',
      at,
      strings: strings.addedSince(mark),
      ended: ended.map(([, session]) => session.sid),
      moved,
      started: started.map(([, entry]) => entry),
    };
    try {
      await this.append(active, record);
    } catch (error) {
      strings.truncate(mark);
      throw error;
    }
    for (const [key] of ended) this.alive.delete(key);
    for (const session of current.values()) {
      const known = this.alive.get(session.key);
      if (known !== undefined) known.db = session.db;
    }
    for (const [session] of started) this.alive.set(session.key, { ...namesOf(session), sid: active.nextSid++, firstSeen: at });
    this.lastScrape = at;
  }

  /** Starts the segment of `at`'s day with the sessions alive now, so that file reads on its own. */
  private async rotate(at: number): Promise<ActiveSegment> {
    const dayStart = dayStartOf(at);
    const strings = new StringTable([]);
    const carried: CarriedSession[] = [...this.alive].map(([key, session]) => ({ key, firstSeen: session.firstSeen, ...strings.dims(session) }));
    const since = this.lastScrape ?? at;
    const opening = frame(encodeRecord({ kind: 'open', target: this.target, dayStart, since, strings: strings.addedSince(0), carried }));
    const path = segmentPath(this.dir, dayStart);
    await mkdir(this.dir, { recursive: true });
    await writeFileDurably(path, opening);
    const handle = await open(path, 'a');
    await this.active?.handle.close();
    let sid = 0;
    for (const session of this.alive.values()) session.sid = sid++;
    this.active = { path, dayStart, handle, size: opening.length, strings, nextSid: sid };
    this.segments.push({ path, since });
    return this.active;
  }

  private async append(active: ActiveSegment, record: SegmentRecord): Promise<void> {
    const bytes = frame(encodeRecord(record));
    try {
      let written = 0;
      while (written < bytes.length) written += (await active.handle.write(bytes, written)).bytesWritten;
      if (this.options.sync) await active.handle.datasync();
      active.size += bytes.length;
    } catch (error) {
      // Cut a partly written frame so the next append does not land behind garbage.
      await active.handle.truncate(active.size).catch(() => undefined);
      throw error;
    }
  }

  private async replay(path: string): Promise<void> {
    const scan = new FrameScan(path);
    const replayed = new ReplayedSegment();
    let validEnd = 0;
    let damage: string | null = null;
    replaying: for await (const frames of scan.batches()) {
      for (const { payload, end } of frames) {
        const record = decodeOrNull(payload);
        if (record === null) {
          damage = `undecodable record at offset ${validEnd}`;
          break replaying;
        }
        replayed.apply(record);
        validEnd = end;
      }
    }
    damage ??= scan.damage;
    if (damage !== null) {
      this.options.log?.warn({ path, damage, keptBytes: validEnd }, 'history: cutting a damaged segment tail (a crash during a write)');
      const handle = await open(path, 'r+');
      await handle.truncate(validEnd);
      await handle.close();
    }
    this.alive = replayed.alive;
    this.lastScrape = replayed.lastScrape;
    const { dayStart, strings, bySid } = replayed;
    this.active = { path, dayStart, handle: await open(path, 'a'), size: validEnd, strings, nextSid: bySid.length };
  }

  private async forget(): Promise<void> {
    await this.active?.handle.close();
    await rm(this.dir, { recursive: true, force: true });
    this.segments = [];
    this.active = null;
    this.alive = new Map();
    this.lastScrape = null;
  }
}

/** Size of a first read that usually holds a segment's open record whole. */
const OPEN_RECORD_READ_BYTES = 64 * 1024;

async function readOpenRecord(path: string): Promise<OpenRecord | null> {
  for await (const [first] of new FrameScan(path, Number.POSITIVE_INFINITY, OPEN_RECORD_READ_BYTES).batches()) {
    const record = first === undefined ? null : decodeOrNull(first.payload);
    return record?.kind === 'open' ? record : null;
  }
  return null;
}

function decodeOrNull(payload: Buffer): SegmentRecord | null {
  try {
    return decodeRecord(payload);
  } catch {
    return null;
  }
}

/** The writer's state at the end of the records applied so far, in a segment's order. */
class ReplayedSegment {
  dayStart = 0;
  lastScrape: number | null = null;
  strings = new StringTable([]);
  alive = new Map<string, AliveSession>();
  /** Session keys by session number. */
  readonly bySid: string[] = [];

  apply(record: SegmentRecord): void {
    if (record.kind === 'open') {
      this.dayStart = record.dayStart;
      this.lastScrape = record.since;
      this.strings = new StringTable(record.strings);
      for (const session of record.carried) this.add(session, session.firstSeen);
      return;
    }
    this.lastScrape = record.at;
    this.strings.append(record.strings);
    for (const sid of record.ended) this.alive.delete(this.bySid[sid] ?? '');
    for (const { sid, db } of record.moved) {
      const session = this.alive.get(this.bySid[sid] ?? '');
      if (session !== undefined) session.db = this.strings.name(db);
    }
    for (const session of record.started) this.add(session, record.at);
  }

  private add(session: StartedSession, firstSeen: number): void {
    this.alive.set(session.key, { ...this.strings.names(session), sid: this.bySid.length, firstSeen });
    this.bySid.push(session.key);
  }
}

type Names = Pick<AliveSession, 'tenant' | 'db' | 'user' | 'client_ip'>;

function namesOf(session: Names): Names {
  return { tenant: session.tenant, db: session.db, user: session.user, client_ip: session.client_ip };
}

/** The strings of one segment, numbered in order of first use. */
class StringTable {
  private readonly list: string[] = [];
  private readonly ids = new Map<string, number>();

  constructor(initial: readonly string[]) {
    this.append(initial);
  }

  get size(): number {
    return this.list.length;
  }

  append(strings: readonly string[]): void {
    for (const text of strings) this.id(text);
  }

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  name(id: number): string {
    return this.list[id] ?? '';
  }

  dims(session: Names): Omit<StartedSession, 'key'> {
    return { tenant: this.id(session.tenant), db: this.id(session.db), user: this.id(session.user), client_ip: this.id(session.client_ip) };
  }

  names(dims: Omit<StartedSession, 'key'>): Names {
    return { tenant: this.name(dims.tenant), db: this.name(dims.db), user: this.name(dims.user), client_ip: this.name(dims.client_ip) };
  }

  addedSince(mark: number): string[] {
    return this.list.slice(mark);
  }

  /** Forgets the strings added since `mark` (their record was never written). */
  truncate(mark: number): void {
    for (const text of this.list.splice(mark)) this.ids.delete(text);
  }
}
