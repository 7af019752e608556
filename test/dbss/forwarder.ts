import { connect, createServer, type Socket } from 'node:net';

/**
 * A fixed loopback address in front of whichever exporter process runs now: Prometheus scrapes
 * this port, so a restarted exporter (on a port of its own) keeps the same `instance` label.
 */
export interface Forwarder {
  readonly address: string;
  /** Sends new connections to this port from now on. */
  to(port: number): void;
  close(): Promise<void>;
}

export async function startForwarder(): Promise<Forwarder> {
  let upstream = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const exporter = connect(upstream, '127.0.0.1');
    for (const socket of [client, exporter]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(exporter).pipe(client);
    client.on('error', () => exporter.destroy());
    exporter.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    to(port) {
      upstream = port;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
