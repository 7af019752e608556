import { FrameScan } from './frames.js';
import { decodeRecord, type OpenRecord, type ScrapeRecord, type SessionDims } from './records.js';
import type { HistoryLogger, SegmentView } from './target-log.js';

export type GroupBy = 'client' | 'account';

export interface CountWindow {
  readonly tenant: string;
  readonly from: number;
  readonly to: number;
  readonly by: GroupBy;
}

/** Sessions per schema, then per client IP or user. */
export type WindowCounts = Map<string, Map<string, number>>;

/**
 * Counts the sessions of `window.tenant` seen alive in [from, to]: first seen at or before `to`,
 * last seen at or after `from`, under the schema they were in at their last scrape up to `to`.
 *
 * Reading starts at the last segment that begins (`since`) by `from`: its carried sessions plus
 * its and later segments' starts are every session alive at or after `from`. It stops at the
 * first scrape after `to`: the sessions that scrape does not end span the window's end.
 */
export async function countWindow(segments: readonly SegmentView[], window: CountWindow, log?: HistoryLogger): Promise<WindowCounts> {
  const counter = new WindowCounter(window);
  const first = segments.findLastIndex((segment) => segment.since <= window.from);
  for (const segment of segments.slice(Math.max(first, 0))) {
    await feedSegment(segment, counter, log);
    if (counter.done) break;
  }
  return counter.finish();
}

async function feedSegment(segment: SegmentView, counter: WindowCounter, log: HistoryLogger | undefined): Promise<void> {
  const scan = new FrameScan(segment.path, segment.limit);
  try {
    for await (const frames of scan.batches()) {
      for (const { payload } of frames) {
        counter.feed(decodeRecord(payload));
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

/** Follows the sessions of one tenant through a stream of records, counting each once. */
class WindowCounter {
  done = false;
  private readonly counts: WindowCounts = new Map();
  private strings: string[] = [];
  private tenantId = UNTRACKED;
  /** Per session number of the current segment: its schema's string number, or UNTRACKED. */
  private db = new Int32Array(0);
  /** Per session number: the string number of its client IP or user. */
  private dim = new Int32Array(0);
  private nextSid = 0;
  private previousScrape = Number.NEGATIVE_INFINITY;
  /** Counts of the current segment by string numbers, named when the segment is left. */
  private segmentCounts = new Map<number, Map<number, number>>();

  constructor(private readonly window: CountWindow) {}

  feed(record: OpenRecord | ScrapeRecord): void {
    if (record.kind === 'open') this.open(record);
    else this.scrape(record);
  }

  finish(): WindowCounts {
    if (!this.done && this.previousScrape >= this.window.from) this.countTracked();
    this.nameSegmentCounts();
    return this.counts;
  }

  private open(record: OpenRecord): void {
    this.nameSegmentCounts();
    this.strings = [];
    this.tenantId = UNTRACKED;
    this.addStrings(record.strings);
    this.db = new Int32Array(Math.max(1024, record.carried.length * 2)).fill(UNTRACKED);
    this.dim = new Int32Array(this.db.length);
    this.nextSid = 0;
    for (const session of record.carried) this.admit(session, session.firstSeen);
    this.previousScrape = record.since;
  }

  private scrape(record: ScrapeRecord): void {
    this.addStrings(record.strings);
    const endsInWindow = this.previousScrape >= this.window.from;
    for (const sid of record.ended) {
      if (!this.tracks(sid)) continue;
      if (endsInWindow) this.count(sid);
      this.db[sid] = UNTRACKED;
    }
    if (record.at > this.window.to) {
      this.countTracked();
      this.done = true;
      return;
    }
    for (const { sid, db } of record.moved) {
      if (this.tracks(sid)) this.db[sid] = db;
    }
    for (const session of record.started) this.admit(session, record.at);
    this.previousScrape = record.at;
  }

  private tracks(sid: number): boolean {
    return (this.db[sid] ?? UNTRACKED) !== UNTRACKED;
  }

  private admit(session: SessionDims, firstSeen: number): void {
    const sid = this.nextSid++;
    if (session.tenant !== this.tenantId || firstSeen > this.window.to) return;
    if (sid >= this.db.length) this.grow();
    this.db[sid] = session.db;
    this.dim[sid] = this.window.by === 'client' ? session.client_ip : session.user;
  }

  private grow(): void {
    const db = new Int32Array(this.db.length * 2).fill(UNTRACKED);
    db.set(this.db);
    const dim = new Int32Array(db.length);
    dim.set(this.dim);
    this.db = db;
    this.dim = dim;
  }

  private addStrings(strings: readonly string[]): void {
    for (const text of strings) {
      if (text === this.window.tenant) this.tenantId = this.strings.length;
      this.strings.push(text);
    }
  }

  private countTracked(): void {
    for (let sid = 0; sid < this.nextSid; sid++) if (this.tracks(sid)) this.count(sid);
  }

  private count(sid: number): void {
    const db = this.db[sid] ?? UNTRACKED;
    const dim = this.dim[sid] ?? UNTRACKED;
    let byDim = this.segmentCounts.get(db);
    if (byDim === undefined) this.segmentCounts.set(db, (byDim = new Map()));
    byDim.set(dim, (byDim.get(dim) ?? 0) + 1);
  }

  private nameSegmentCounts(): void {
    for (const [dbId, byDim] of this.segmentCounts) {
      const db = this.strings[dbId] ?? '';
      let named = this.counts.get(db);
      if (named === undefined) this.counts.set(db, (named = new Map()));
      for (const [dimId, sessions] of byDim) {
        const dim = this.strings[dimId] ?? '';
        named.set(dim, (named.get(dim) ?? 0) + sessions);
      }
    }
    this.segmentCounts = new Map();
  }
}
