import { writeFile } from 'node:fs/promises';
import { parseIp } from '../../src/geoip/ip-address.js';

/*
 * A small MaxMind DB (format 2.0) writer, from MaxMind-DB-spec.md in maxmind/MaxMind-DB. Enough
 * to build test databases of either schema: a binary search tree over the address bits, a
 * data section of typed values (each distinct record stored once, no pointers) and the metadata
 * map after the "\xAB\xCD\xEFMaxMind.com" marker.
 */

/** Forces an MMDB type where the default inference would pick another. */
export interface TypedValue {
  readonly mmdbType: 'uint16' | 'uint32' | 'uint64' | 'double';
  readonly value: number | bigint;
}

/**
 * Plain numbers become uint32 when they are integers in its range, doubles otherwise; bigints
 * become uint64. Maps are plain objects.
 */
export type MmdbValue = string | number | bigint | boolean | TypedValue | readonly MmdbValue[] | MmdbMap;
export interface MmdbMap {
  readonly [key: string]: MmdbValue;
}

export const uint16 = (value: number): TypedValue => ({ mmdbType: 'uint16', value });
export const uint32 = (value: number): TypedValue => ({ mmdbType: 'uint32', value });
export const uint64 = (value: number | bigint): TypedValue => ({ mmdbType: 'uint64', value });
export const double = (value: number): TypedValue => ({ mmdbType: 'double', value });

export interface MmdbEntry {
  /** "81.2.69.0/24" or "2001:db8::/32". In an IPv6 database IPv4 networks sit at ::/96. */
  readonly network: string;
  readonly data: MmdbMap;
}

export interface MmdbMetadata {
  readonly databaseType: string;
  readonly languages?: readonly string[];
  readonly description?: Readonly<Record<string, string>>;
  /** 6 (default) holds IPv4 and IPv6; 4 holds IPv4 only. */
  readonly ipVersion?: 4 | 6;
  /** Seconds since the epoch; defaults to now. */
  readonly buildEpoch?: number;
}

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com')]);
const DATA_SECTION_SEPARATOR = 16;

const TYPE = {
  utf8_string: 2,
  double: 3,
  uint16: 5,
  uint32: 6,
  map: 7,
  uint64: 9,
  array: 11,
  boolean: 14,
} as const;

export function buildMmdb(entries: readonly MmdbEntry[], metadata: MmdbMetadata): Buffer {
  const ipVersion = metadata.ipVersion ?? 6;
  const data = new DataSection();
  const root = newNode();
  // Shorter prefixes first, so a more specific network splits the record of its parent.
  const ordered = entries.map((entry) => ({ ...treePath(entry.network, ipVersion), entry }));
  ordered.sort((a, b) => a.prefix - b.prefix);
  for (const { bits, prefix, entry } of ordered) insert(root, bits, prefix, data.add(entry.data));

  const nodes = numberNodes(root);
  const nodeCount = nodes.length;
  const maxRecord = nodeCount + DATA_SECTION_SEPARATOR + data.size;
  const recordSize = maxRecord < 2 ** 24 ? 24 : maxRecord < 2 ** 28 ? 28 : 32;
  const tree = Buffer.concat(nodes.map((node) => encodeNode(node, nodeCount, recordSize)));
  const meta = encode({
    node_count: uint32(nodeCount),
    record_size: uint16(recordSize),
    ip_version: uint16(ipVersion),
    database_type: metadata.databaseType,
    languages: metadata.languages ?? [],
    binary_format_major_version: uint16(2),
    binary_format_minor_version: uint16(0),
    build_epoch: uint64(metadata.buildEpoch ?? Math.floor(Date.now() / 1000)),
    description: metadata.description ?? {},
  });
  return Buffer.concat([tree, Buffer.alloc(DATA_SECTION_SEPARATOR), data.bytes(), METADATA_MARKER, meta]);
}

export async function writeMmdb(path: string, entries: readonly MmdbEntry[], metadata: MmdbMetadata): Promise<void> {
  await writeFile(path, buildMmdb(entries, metadata));
}

// ---- search tree ----

/** A record is empty, a data offset, or a child node. */
type TreeRecord = { kind: 'empty' } | { kind: 'data'; offset: number } | { kind: 'node'; node: TreeNode };
interface TreeNode {
  records: [TreeRecord, TreeRecord];
  number: number;
}

const EMPTY: TreeRecord = { kind: 'empty' };

function newNode(fill: TreeRecord = EMPTY): TreeNode {
  return { records: [fill, fill], number: -1 };
}

function treePath(network: string, ipVersion: 4 | 6): { bits: readonly number[]; prefix: number } {
  const [text = '', prefixText] = network.split('/');
  const address = parseIp(text);
  if (!address || prefixText === undefined) throw new Error(`not a network: ${network}`);
  const prefix = Number(prefixText);
  if (address.version === 6 && ipVersion === 4) throw new Error(`IPv6 network ${network} in an IPv4 database`);
  if (address.version === 4 && ipVersion === 6) {
    return { bits: [...new Array<number>(12).fill(0), ...address.bytes], prefix: prefix + 96 };
  }
  return { bits: address.bytes, prefix };
}

function bitAt(bytes: readonly number[], index: number): 0 | 1 {
  return (((bytes[index >> 3] ?? 0) >> (7 - (index & 7))) & 1) as 0 | 1;
}

function insert(root: TreeNode, bits: readonly number[], prefix: number, offset: number): void {
  if (prefix < 1) throw new Error('a network needs a prefix of at least 1 bit');
  let node = root;
  for (let depth = 0; depth < prefix - 1; depth++) {
    const side = bitAt(bits, depth);
    const record = node.records[side];
    if (record.kind === 'node') {
      node = record.node;
      continue;
    }
    // Descending through a less specific network's record: both halves keep its data.
    const child = newNode(record);
    node.records[side] = { kind: 'node', node: child };
    node = child;
  }
  node.records[bitAt(bits, prefix - 1)] = { kind: 'data', offset };
}

function numberNodes(root: TreeNode): TreeNode[] {
  const nodes: TreeNode[] = [];
  const queue = [root];
  for (let node = queue.shift(); node; node = queue.shift()) {
    node.number = nodes.length;
    nodes.push(node);
    for (const record of node.records) if (record.kind === 'node') queue.push(record.node);
  }
  return nodes;
}

function recordValue(record: TreeRecord, nodeCount: number): number {
  if (record.kind === 'node') return record.node.number;
  if (record.kind === 'empty') return nodeCount;
  return nodeCount + DATA_SECTION_SEPARATOR + record.offset;
}

function encodeNode(node: TreeNode, nodeCount: number, recordSize: 24 | 28 | 32): Buffer {
  const [left, right] = node.records.map((record) => recordValue(record, nodeCount)) as [number, number];
  const out = Buffer.alloc(recordSize / 4);
  if (recordSize === 24) {
    out.writeUIntBE(left, 0, 3);
    out.writeUIntBE(right, 3, 3);
  } else if (recordSize === 28) {
    out.writeUIntBE(left & 0xffffff, 0, 3);
    out[3] = ((left >>> 24) << 4) | (right >>> 24);
    out.writeUIntBE(right & 0xffffff, 4, 3);
  } else {
    out.writeUInt32BE(left, 0);
    out.writeUInt32BE(right, 4);
  }
  return out;
}

// ---- data section ----

class DataSection {
  private readonly chunks: Buffer[] = [];
  private readonly offsets = new Map<string, number>();
  size = 0;

  /** Offset of the record within the data section; identical records share one copy. */
  add(record: MmdbMap): number {
    const bytes = encode(record);
    const key = bytes.toString('latin1');
    const known = this.offsets.get(key);
    if (known !== undefined) return known;
    const offset = this.size;
    this.offsets.set(key, offset);
    this.chunks.push(bytes);
    this.size += bytes.length;
    return offset;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function isTyped(value: MmdbValue): value is TypedValue {
  return typeof value === 'object' && value !== null && 'mmdbType' in value;
}

function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const payload = Buffer.from(value, 'utf8');
    return Buffer.concat([control(TYPE.utf8_string, payload.length), payload]);
  }
  if (typeof value === 'boolean') return control(TYPE.boolean, value ? 1 : 0);
  if (typeof value === 'bigint') return encodeUint(TYPE.uint64, value);
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= 0xffffffff ? encodeUint(TYPE.uint32, BigInt(value)) : encodeDouble(value);
  }
  if (isTyped(value)) {
    if (value.mmdbType === 'double') return encodeDouble(Number(value.value));
    return encodeUint(TYPE[value.mmdbType], BigInt(value.value));
  }
  if (Array.isArray(value)) {
    const items = value as readonly MmdbValue[];
    return Buffer.concat([control(TYPE.array, items.length), ...items.map(encode)]);
  }
  const pairs = Object.entries(value as MmdbMap);
  return Buffer.concat([control(TYPE.map, pairs.length), ...pairs.flatMap(([key, item]) => [encode(key), encode(item)])]);
}

function encodeDouble(value: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeDoubleBE(value);
  return Buffer.concat([control(TYPE.double, 8), payload]);
}

const UINT_BYTES = { [TYPE.uint16]: 2, [TYPE.uint32]: 4, [TYPE.uint64]: 8 } as const;

/** Unsigned integers use as few bytes as they need; zero has no payload at all. */
function encodeUint(type: keyof typeof UINT_BYTES, value: bigint): Buffer {
  if (value < 0n || value >= 1n << BigInt(8 * UINT_BYTES[type])) throw new Error(`${value} does not fit type ${type}`);
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

/**
 * The control byte: type in the top 3 bits (0 plus a following byte holding type - 7 for
 * extended types), then the size in 5 bits, with 1-3 extra bytes for sizes of 29 and above.
 */
function control(type: number, size: number): Buffer {
  const typeBits = type <= 7 ? type << 5 : 0;
  const extended = type <= 7 ? [] : [type - 7];
  if (size < 29) return Buffer.from([typeBits | size, ...extended]);
  if (size < 285) return Buffer.from([typeBits | 29, ...extended, size - 29]);
  if (size < 65_821) {
    const rest = size - 285;
    return Buffer.from([typeBits | 30, ...extended, rest >> 8, rest & 0xff]);
  }
  const rest = size - 65_821;
  if (rest >= 2 ** 24) throw new Error(`value too large for MMDB (${size})`);
  return Buffer.from([typeBits | 31, ...extended, rest >> 16, (rest >> 8) & 0xff, rest & 0xff]);
}
