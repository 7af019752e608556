import { ByteReader, ByteWriter } from './bytes.js';

/**
 * The two records of a segment file. Strings (tenant, schema, user, client IP) are numbered per
 * segment: a record lists the strings it introduces, later ones refer to their number. Sessions
 * are numbered per segment too: the carried ones 0..n-1 in order, then each started one in turn.
 */
const FORMAT_VERSION = 1;
const OPEN = 1;
const SCRAPE = 2;

/** String numbers of the dimensions a session is counted by. */
export interface SessionDims {
  tenant: number;
  db: number;
  user: number;
  client_ip: number;
}

export interface StartedSession extends SessionDims {
  key: string;
}

export interface CarriedSession extends StartedSession {
  firstSeen: number;
}

/** First record of every segment: the sessions alive at `since`, so a segment reads on its own. */
export interface OpenRecord {
  kind: 'open';
  target: string;
  /** UTC midnight of the day whose scrapes the segment holds. */
  dayStart: number;
  /** The last scrape before this segment (the instant `carried` describes), or its first scrape. */
  since: number;
  strings: string[];
  carried: CarriedSession[];
}

/** One scrape: what changed since the previous one. Sessions not ended are alive at `at`. */
export interface ScrapeRecord {
  kind: 'scrape';
  at: number;
  strings: string[];
  /** Sessions gone at `at`: last seen at the previous scrape. */
  ended: number[];
  /** Sessions now in another schema. */
  moved: Array<{ sid: number; db: number }>;
  started: StartedSession[];
}

export type SegmentRecord = OpenRecord | ScrapeRecord;

export function encodeRecord(record: SegmentRecord): Buffer {
  const out = new ByteWriter();
  if (record.kind === 'open') {
    out.u8(OPEN);
    out.varint(FORMAT_VERSION);
    out.string(record.target);
    out.varint(record.dayStart);
    out.varint(record.since);
    writeStrings(out, record.strings);
    out.varint(record.carried.length);
    for (const session of record.carried) {
      writeSession(out, session);
      out.varint(session.firstSeen);
    }
    return out.bytes();
  }
  out.u8(SCRAPE);
  out.varint(record.at);
  writeStrings(out, record.strings);
  out.varint(record.ended.length);
  for (const sid of record.ended) out.varint(sid);
  out.varint(record.moved.length);
  for (const { sid, db } of record.moved) {
    out.varint(sid);
    out.varint(db);
  }
  out.varint(record.started.length);
  for (const session of record.started) writeSession(out, session);
  return out.bytes();
}

/**
 * Receives a record's parts in file order without building objects (a query reads millions).
 * Sessions carry no number: they are numbered in the order they arrive within a segment.
 */
export interface RecordVisitor {
  /** False to skip session keys undecoded (only a writer resuming its segment needs them). */
  readonly wantsKeys: boolean;
  open(target: string, dayStart: number, since: number): void;
  scrape(at: number): void;
  string(text: string): void;
  ended(sid: number): void;
  moved(sid: number, db: number): void;
  /** A carried session of an open record, or one started at the scrape (`firstSeen` is then its time). */
  session(key: string, tenant: number, db: number, user: number, client_ip: number, firstSeen: number): void;
}

/** Throws on anything that is not a record of this format (the caller treats it as damage). */
export function visitRecord(payload: Buffer, visitor: RecordVisitor): void {
  const input = new ByteReader(payload);
  const kind = input.u8();
  if (kind === OPEN) visitOpen(input, visitor);
  else if (kind === SCRAPE) visitScrape(input, visitor);
  else throw new RangeError(`unknown record kind ${kind}`);
  if (!input.done) throw new RangeError('trailing bytes after a record');
}

export function decodeRecord(payload: Buffer): SegmentRecord {
  const builder = new RecordBuilder();
  visitRecord(payload, builder);
  return builder.record;
}

function visitOpen(input: ByteReader, visitor: RecordVisitor): void {
  const version = input.u8();
  if (version !== FORMAT_VERSION) throw new RangeError(`unsupported segment format ${version}`);
  visitor.open(input.string(), input.varint(), input.varint());
  visitStrings(input, visitor);
  for (let count = input.varint(); count > 0; count--) visitSession(input, visitor, null);
}

function visitScrape(input: ByteReader, visitor: RecordVisitor): void {
  const at = input.varint();
  visitor.scrape(at);
  visitStrings(input, visitor);
  for (let count = input.varint(); count > 0; count--) visitor.ended(input.varint());
  for (let count = input.varint(); count > 0; count--) visitor.moved(input.varint(), input.varint());
  for (let count = input.varint(); count > 0; count--) visitSession(input, visitor, at);
}

function visitStrings(input: ByteReader, visitor: RecordVisitor): void {
  for (let count = input.varint(); count > 0; count--) visitor.string(input.string());
}

/** `startedAt` null: a carried session, whose first-seen time follows its dimensions. */
function visitSession(input: ByteReader, visitor: RecordVisitor, startedAt: number | null): void {
  const key = visitor.wantsKeys ? input.string() : input.skipString();
  const tenant = input.varint();
  const db = input.varint();
  const user = input.varint();
  const clientIp = input.varint();
  visitor.session(key, tenant, db, user, clientIp, startedAt ?? input.varint());
}

/** Builds the record objects back, for code that wants them whole. */
class RecordBuilder implements RecordVisitor {
  readonly wantsKeys = true;
  private built: SegmentRecord | null = null;

  get record(): SegmentRecord {
    if (this.built === null) throw new RangeError('empty record');
    return this.built;
  }

  open(target: string, dayStart: number, since: number): void {
    this.built = { kind: 'open', target, dayStart, since, strings: [], carried: [] };
  }

  scrape(at: number): void {
    this.built = { kind: 'scrape', at, strings: [], ended: [], moved: [], started: [] };
  }

  string(text: string): void {
    this.record.strings.push(text);
  }

  ended(sid: number): void {
    if (this.record.kind === 'scrape') this.record.ended.push(sid);
  }

  moved(sid: number, db: number): void {
    if (this.record.kind === 'scrape') this.record.moved.push({ sid, db });
  }

  session(key: string, tenant: number, db: number, user: number, client_ip: number, firstSeen: number): void {
    const record = this.record;
    if (record.kind === 'open') record.carried.push({ key, tenant, db, user, client_ip, firstSeen });
    else record.started.push({ key, tenant, db, user, client_ip });
  }
}

function writeStrings(out: ByteWriter, strings: readonly string[]): void {
  out.varint(strings.length);
  for (const text of strings) out.string(text);
}

function writeSession(out: ByteWriter, session: StartedSession): void {
  out.string(session.key);
  out.varint(session.tenant);
  out.varint(session.db);
  out.varint(session.user);
  out.varint(session.client_ip);
}
