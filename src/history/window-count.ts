import { FrameScan } from './frames.js';
import { orderedRows, type CountedPairs, type RowMaker } from './ordered-rows.js';
import { PairCounts } from './pair-counts.js';
import { visitRecord, type RecordVisitor } from './records.js';
import type { HistoryLogger, SegmentView } from './target-log.js';

export type GroupBy = 'client' | 'account';

export interface CountWindow {
  readonly tenant: string;
  readonly from: number;
  readonly to: number;
  readonly by: GroupBy;
  /** Only sessions last in one of these schemas; all when absent. */
  readonly dbs?: readonly string[];
}

/**
 * Counts the sessions of `window.tenant` seen alive in [from, to]: first seen at or before `to`,
 * last seen at or after `from`, under the schema they were in at their last scrape up to `to`.
 *
 * Reading starts at the last segment that begins (`since`) by `from`: its carried sessions plus
 * its and later segments' starts are every session alive at or after `from`. It stops at the
 * first scrape after `to`: the sessions that scrape does not end span the window's end.
 */
export async function countWindow<T>(segments: readonly SegmentView[], window: CountWindow, row: RowMaker<T>, log?: HistoryLogger): Promise<T[]> {
  const counter = new WindowCounter(window);
  const first = segments.findLastIndex((segment) => segment.since <= window.from);
  for (const segment of segments.slice(Math.max(first, 0))) {
    await feedSegment(segment, counter, log);
    if (counter.done) break;
  }
  return counter.finish(row);
}

async function feedSegment(segment: SegmentView, counter: WindowCounter, log: HistoryLogger | undefined): Promise<void> {
  const scan = new FrameScan(segment.path, segment.limit);
  try {
    for await (const frames of scan.batches()) {
      for (const { payload } of frames) {
        counter.feed(payload);
        if (counter.done) return;
      }
    }
  } catch (error) {
    // Retention may delete a segment between listing and reading: the next one carries on.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    log?.warn({ path: segment.path, error: String(error) }, 'history: skipping the rest of an unreadable segment');
    return;
  }
  if (scan.damage !== null) log?.warn({ path: segment.path, damage: scan.damage }, 'history: segment damaged, reading stopped there');
}

const UNTRACKED = -1;

/**
 * Follows the sessions of one tenant through a stream of records, counting each once. Names
 * (strings) are numbered once per query, so counting and sorting compare small integers.
 */
class WindowCounter implements RecordVisitor {
  readonly wantsKeys = false;
  done = false;
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private segmentStrings: string[] = [];
  /** The current segment's string numbers, as name numbers once used (names the query never uses are never hashed). */
  private segmentNames: number[] = [];
  private tenantId = UNTRACKED;
  /** Per session number of the current segment: its schema's name number, or UNTRACKED. */
  private db = new Int32Array(1024);
  /** Per session number: the name number of its client IP or user. */
  private dim = new Int32Array(1024);
  private nextSid = 0;
  private previousScrape = Number.NEGATIVE_INFINITY;
  /** The time of the scrape record being read, null while reading an open record. */
  private scrapeAt: number | null = null;
  /** Sessions by schema and client IP or user (name numbers). */
  private readonly counts = new PairCounts();

  constructor(private readonly window: CountWindow) {}

  feed(payload: Buffer): void {
    this.scrapeAt = null;
    visitRecord(payload, this);
    if (this.scrapeAt === null) return;
    if (this.scrapeAt > this.window.to) {
      // The first scrape after the window: whatever it did not end was alive on both sides of `to`.
      this.countTracked();
      this.done = true;
    }
    this.previousScrape = this.scrapeAt;
  }

  /** Rows most sessions first, then by schema and client IP or user. */
  finish<T>(row: RowMaker<T>): T[] {
    if (!this.done && this.previousScrape >= this.window.from) this.countTracked();
    const dbs = this.window.dbs === undefined ? null : new Set(this.window.dbs);
    const kept: CountedPairs =
      dbs === null
        ? this.counts
        : {
            forEach: (visit) =>
              this.counts.forEach((db, dim, sessions) => {
                if (dbs.has(this.names[db] ?? '')) visit(db, dim, sessions);
              }),
          };
    return orderedRows(kept, this.names, row);
  }

  open(_target: string, _dayStart: number, since: number): void {
    this.segmentStrings = [];
    this.segmentNames = [];
    this.tenantId = UNTRACKED;
    this.db.fill(UNTRACKED);
    this.nextSid = 0;
    this.previousScrape = since;
  }

  scrape(at: number): void {
    this.scrapeAt = at;
  }

  string(text: string): void {
    if (text === this.window.tenant) this.tenantId = this.segmentStrings.length;
    this.segmentStrings.push(text);
  }

  ended(sid: number): void {
    if (!this.tracks(sid)) return;
    if (this.previousScrape >= this.window.from) this.count(sid);
    this.db[sid] = UNTRACKED;
  }

  moved(sid: number, db: number): void {
    if (this.tracks(sid) && (this.scrapeAt ?? 0) <= this.window.to) this.db[sid] = this.nameOf(db);
  }

  session(_key: string, tenant: number, db: number, user: number, clientIp: number, firstSeen: number): void {
    const sid = this.nextSid++;
    if (tenant !== this.tenantId || firstSeen > this.window.to) return;
    if (sid >= this.db.length) this.grow();
    this.db[sid] = this.nameOf(db);
    this.dim[sid] = this.nameOf(this.window.by === 'client' ? clientIp : user);
  }

  private tracks(sid: number): boolean {
    return (this.db[sid] ?? UNTRACKED) !== UNTRACKED;
  }

  private grow(): void {
    const db = new Int32Array(this.db.length * 2).fill(UNTRACKED);
    db.set(this.db);
    const dim = new Int32Array(db.length);
    dim.set(this.dim);
    this.db = db;
    this.dim = dim;
  }

  private nameOf(segmentString: number): number {
    const known = this.segmentNames[segmentString];
    if (known !== undefined) return known;
    const text = this.segmentStrings[segmentString] ?? '';
    let id = this.nameIds.get(text);
    if (id === undefined) {
      id = this.names.push(text) - 1;
      this.nameIds.set(text, id);
    }
    this.segmentNames[segmentString] = id;
    return id;
  }

  private countTracked(): void {
    for (let sid = 0; sid < this.nextSid; sid++) if (this.tracks(sid)) this.count(sid);
  }

  private count(sid: number): void {
    this.counts.add(this.db[sid] ?? 0, this.dim[sid] ?? 0);
  }
}
