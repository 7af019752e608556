import { isIP } from 'node:net';

/** A parsed client address. */
export interface IpAddress {
  readonly version: 4 | 6;
  /** Network byte order: 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: readonly number[];
  /** The form a database lookup takes (no zone, no brackets, IPv4-mapped IPv6 as dotted IPv4). */
  readonly text: string;
}

/**
 * Parses an IPv4 or IPv6 address; anything else (host names, garbage, "ip:port") is null.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) comes back as the IPv4 address it carries: dual-stack
 * servers report IPv4 clients that way, and they must resolve like the IPv4 address.
 */
export function parseIp(input: string): IpAddress | null {
  const text = stripZone(stripBrackets(input.trim()));
  const version = isIP(text);
  if (version === 4) return { version: 4, bytes: ipv4Bytes(text), text };
  if (version !== 6) return null;
  const bytes = ipv6Bytes(text);
  if (!isIpv4Mapped(bytes)) return { version: 6, bytes, text };
  const ipv4 = bytes.slice(12);
  return { version: 4, bytes: ipv4, text: ipv4.join('.') };
}

function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

function stripZone(text: string): string {
  const percent = text.indexOf('%');
  return percent < 0 ? text : text.slice(0, percent);
}

// Plain arrays and loops: this runs for every session of every scrape, and small typed arrays
// or iterator helpers cost more than the database lookup itself.
/** Expects text that `isIP` accepted as IPv4: digits and three dots. */
function ipv4Bytes(text: string): number[] {
  const bytes = [0, 0, 0, 0];
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2e) octet++;
    else bytes[octet] = (bytes[octet] ?? 0) * 10 + code - 0x30;
  }
  return bytes;
}

function isIpv4Mapped(bytes: readonly number[]): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Expects text that `isIP` accepted as IPv6, so group counts are consistent. */
function ipv6Bytes(text: string): number[] {
  const { hex, tail } = splitIpv4Tail(text);
  const [left = '', right] = hex.split('::');
  const leftGroups = hexGroups(left);
  const rightGroups = right === undefined ? [] : hexGroups(right);
  // Groups after "::" (and the dotted tail) are right-aligned; the gap between stays zero.
  const groups: number[] = [];
  for (const group of leftGroups) groups.push(group);
  while (groups.length < 8 - rightGroups.length - tail.length) groups.push(0);
  for (const group of rightGroups) groups.push(group);
  for (const group of tail) groups.push(group);
  const bytes: number[] = [];
  for (const group of groups) bytes.push(group >> 8, group & 0xff);
  return bytes;
}

/** Splits "x:y::a.b.c.d" into its hex part and the two 16-bit groups of the dotted tail. */
function splitIpv4Tail(text: string): { hex: string; tail: number[] } {
  if (!text.includes('.')) return { hex: text, tail: [] };
  const colon = text.lastIndexOf(':');
  const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(text.slice(colon + 1));
  // Keep a "::" that ends right before the tail; drop a lone separating ":".
  const hex = text[colon - 1] === ':' ? text.slice(0, colon + 1) : text.slice(0, colon);
  return { hex, tail: [(a << 8) | b, (c << 8) | d] };
}

function hexGroups(text: string): number[] {
  return text === '' ? [] : text.split(':').map((group) => parseInt(group, 16));
}
