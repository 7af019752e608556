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

/** Throws on anything that is not a record of this format (the caller treats it as damage). */
export function decodeRecord(payload: Buffer): SegmentRecord {
  const input = new ByteReader(payload);
  const kind = input.u8();
  const record = kind === OPEN ? decodeOpen(input) : kind === SCRAPE ? decodeScrape(input) : undefined;
  if (record === undefined) throw new RangeError(`unknown record kind ${kind}`);
  if (!input.done) throw new RangeError('trailing bytes after a record');
  return record;
}

function decodeOpen(input: ByteReader): OpenRecord {
  const version = input.u8();
  if (version !== FORMAT_VERSION) throw new RangeError(`unsupported segment format ${version}`);
  const target = input.string();
  const dayStart = input.varint();
  const since = input.varint();
  const strings = readStrings(input);
  const carried = readList(input, () => ({ ...readSession(input), firstSeen: input.varint() }));
  return { kind: 'open', target, dayStart, since, strings, carried };
}

function decodeScrape(input: ByteReader): ScrapeRecord {
  const at = input.varint();
  const strings = readStrings(input);
  const ended = readList(input, () => input.varint());
  const moved = readList(input, () => ({ sid: input.varint(), db: input.varint() }));
  const started = readList(input, () => readSession(input));
  return { kind: 'scrape', at, strings, ended, moved, started };
}

function writeStrings(out: ByteWriter, strings: readonly string[]): void {
  out.varint(strings.length);
  for (const text of strings) out.string(text);
}

function readStrings(input: ByteReader): string[] {
  return readList(input, () => input.string());
}

function writeSession(out: ByteWriter, session: StartedSession): void {
  out.string(session.key);
  out.varint(session.tenant);
  out.varint(session.db);
  out.varint(session.user);
  out.varint(session.client_ip);
}

function readSession(input: ByteReader): StartedSession {
  return { key: input.string(), tenant: input.varint(), db: input.varint(), user: input.varint(), client_ip: input.varint() };
}

function readList<T>(input: ByteReader, readItem: () => T): T[] {
  const count = input.varint();
  const items: T[] = [];
  for (let index = 0; index < count; index++) items.push(readItem());
  return items;
}
