import { isIP } from 'node:net';

/** A parsed client address. */
export interface IpAddress {
  readonly version: 4 | 6;
  /** Network byte order: 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
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
  return isIpv4Mapped(bytes) ? ipv4FromBytes(bytes.subarray(12)) : { version: 6, bytes, text };
}

function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

function stripZone(text: string): string {
  const percent = text.indexOf('%');
  return percent < 0 ? text : text.slice(0, percent);
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.'), Number);
}

function ipv4FromBytes(bytes: Uint8Array): IpAddress {
  return { version: 4, bytes: Uint8Array.from(bytes), text: bytes.join('.') };
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  return bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Expects text that `isIP` accepted as IPv6, so group counts are consistent. */
function ipv6Bytes(text: string): Uint8Array {
  const { hex, tail } = splitIpv4Tail(text);
  const [left = '', right] = hex.split('::');
  const leftGroups = hexGroups(left);
  const rightGroups = right === undefined ? [] : hexGroups(right);
  const gap = 8 - leftGroups.length - rightGroups.length - tail.length;
  const groups = [...leftGroups, ...new Array<number>(gap).fill(0), ...rightGroups, ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
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
