import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the exporter and a database that a test can make unreachable: `hang()`
 * stops forwarding, so open connections stall and new ones are accepted but never reach the
 * server (like a partition: connections hang rather than fail). `resume()` lets everything flow.
 */
export interface TcpProxy {
  readonly port: number;
  /** Client connections accepted and not yet closed. */
  open(): number;
  /** The most client connections open at once since the last call. */
  takePeak(): number;
  hang(): void;
  resume(): void;
  close(): Promise<void>;
}

interface Link {
  readonly client: Socket;
  upstream: Socket | null;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const links = new Set<Link>();
  let hanging = false;
  let peak = 0;

  const connectUpstream = (link: Link) => {
    const upstream = connect(targetPort, targetHost);
    link.upstream = upstream;
    upstream.on('data', (data) => link.client.write(data));
    upstream.on('error', () => link.client.destroy());
    upstream.on('close', () => link.client.destroy());
  };

  const server: Server = createServer((client) => {
    const link: Link = { client, upstream: null };
    links.add(link);
    peak = Math.max(peak, links.size);
    client.on('data', (data) => link.upstream?.write(data));
    client.on('error', () => {});
    client.on('close', () => {
      links.delete(link);
      link.upstream?.destroy();
    });
    if (hanging) client.pause();
    else connectUpstream(link);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    open: () => links.size,
    takePeak() {
      const seen = peak;
      peak = links.size;
      return seen;
    },
    hang() {
      hanging = true;
      for (const link of links) {
        link.client.pause();
        link.upstream?.pause();
      }
    },
    resume() {
      hanging = false;
      for (const link of links) {
        if (link.upstream === null) connectUpstream(link);
        link.upstream?.resume();
        link.client.resume();
      }
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
