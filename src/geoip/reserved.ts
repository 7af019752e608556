import { parseIp, type IpAddress } from './ip-address.js';

/** Why an address has no place on a map. */
export type ReservedKind =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'documentation'
  | 'multicast'
  | 'reserved';

/** `public` addresses are looked up; `unknown` is anything that is not an IP address at all. */
export type AddressKind = ReservedKind | 'public' | 'unknown';

interface Range {
  readonly bytes: readonly number[];
  readonly prefix: number;
  readonly kind: ReservedKind;
}

function range(cidr: string, kind: ReservedKind): Range {
  const [address = '', prefix = ''] = cidr.split('/');
  const parsed = parseIp(address);
  if (!parsed) throw new Error(`bad range ${cidr}`);
  return { bytes: parsed.bytes, prefix: Number(prefix), kind };
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors). Documentation ranges
// count as reserved even though examples use them as if public: no real client has them.
const IPV4_RANGES: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'cgnat'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

// IANA IPv6 Special-Purpose Address Registry. IPv4-mapped addresses never get here: parseIp
// turns them into IPv4. Order matters where ranges nest (::1 inside ::/96).
const IPV6_RANGES: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::/96', 'reserved'),
  range('64:ff9b:1::/48', 'private'),
  range('100::/64', 'reserved'),
  range('2001::/23', 'reserved'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('5f00::/16', 'reserved'),
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'private'),
  range('ff00::/8', 'multicast'),
];

/** Only 2000::/3 is allocated as global unicast; everything outside it is reserved. */
const IPV6_GLOBAL_UNICAST = range('2000::/3', 'reserved');

function contains(r: Range, bytes: readonly number[]): boolean {
  const whole = r.prefix >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== r.bytes[i]) return false;
  const bits = r.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((bytes[whole] ?? 0) & mask) === ((r.bytes[whole] ?? 0) & mask);
}

/** The reserved range an address falls in, or null for a public address. */
export function reservedKind(address: IpAddress): ReservedKind | null {
  const ranges = address.version === 4 ? IPV4_RANGES : IPV6_RANGES;
  const match = ranges.find((r) => contains(r, address.bytes));
  if (match) return match.kind;
  if (address.version === 6 && !contains(IPV6_GLOBAL_UNICAST, address.bytes)) return 'reserved';
  return null;
}

export interface ClassifiedAddress {
  readonly kind: AddressKind;
  /** The parsed address; null for "localhost" and for anything that is not an address. */
  readonly address: IpAddress | null;
}

const LOCALHOST: ClassifiedAddress = { kind: 'loopback', address: null };
const NOT_AN_ADDRESS: ClassifiedAddress = { kind: 'unknown', address: null };

/**
 * Classifies a client address as the snapshot reports it. "localhost" is what MySQL shows for
 * socket connections, so it is loopback, not unknown.
 */
export function classifyAddress(input: string): ClassifiedAddress {
  if (input.trim().toLowerCase() === 'localhost') return LOCALHOST;
  const address = parseIp(input);
  if (!address) return NOT_AN_ADDRESS;
  return { kind: reservedKind(address) ?? 'public', address };
}
