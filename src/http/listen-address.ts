/** Parses a Prometheus-style listen address: `:9797`, `127.0.0.1:9797`, `[::1]:9797`. */
export function parseListenAddress(text: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`--web.listen-address: "${text}" is not host:port (for example :9797 or 127.0.0.1:9797)`);
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}
