/**
 * Splits a processlist HOST (`ip:port`, `[v6]:port`, `v6:port`, `localhost`) into its address.
 * The port is taken off from the right: splitting at the first ':' breaks IPv6.
 */
export function hostAddress(host: string): string {
  const trimmed = host.trim();
  if (trimmed.startsWith('[')) {
    const close = trimmed.indexOf(']');
    return close > 0 ? unmapIpv4(trimmed.slice(1, close)) : trimmed;
  }
  const firstColon = trimmed.indexOf(':');
  if (firstColon < 0) return trimmed;
  const lastColon = trimmed.lastIndexOf(':');
  const port = trimmed.slice(lastColon + 1);
  // One colon is ipv4:port. Several colons are IPv6, which carries a port only when the server
  // appended one: a bare IPv6 address ends in a group that is rarely a plain decimal port.
  if (firstColon === lastColon) return /^\d+$/.test(port) ? trimmed.slice(0, lastColon) : trimmed;
  const withoutPort = trimmed.slice(0, lastColon);
  return /^\d{1,5}$/.test(port) && isIpv6(withoutPort) ? unmapIpv4(withoutPort) : unmapIpv4(trimmed);
}

function isIpv6(text: string): boolean {
  return /^[0-9a-fA-F:.]+$/.test(text) && (text.includes('::') || text.split(':').length === 8);
}

/** `::ffff:10.0.0.1` is an IPv4 client seen through a dual-stack socket: report it as IPv4. */
function unmapIpv4(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}
