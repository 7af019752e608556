import { connect, type Socket } from 'node:net';

/** What came back on a raw connection before the server closed it (or the wait ended). */
export interface RawExchange {
  readonly text: string;
  /** HTTP status of the first response, or null when none arrived. */
  readonly status: number | null;
  /** Whether the server closed the connection. */
  readonly closed: boolean;
  /** Milliseconds from connect until the server closed it (or the wait ended). */
  readonly elapsedMs: number;
}

/**
 * Writes `chunks` to a raw TCP connection, waiting `gapMs` between them, and reads until the
 * server closes or `waitMs` passes: for what fetch cannot send (huge headers, trickled bytes).
 */
export function rawExchange(port: number, chunks: readonly (string | Buffer)[], options: { gapMs?: number; waitMs?: number } = {}): Promise<RawExchange> {
  const { gapMs = 0, waitMs = 5_000 } = options;
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: status ? Number(status[1]) : null, closed, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (data) => (text += data.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const [index, chunk] of chunks.entries()) {
        if (done) return;
        if (index > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (!socket.destroyed) socket.write(chunk);
      }
    });
  });
}

/** The first response of an exchange, shaped like the fetch-based helpers' answers. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed when the response says it is JSON, else the text. */
  readonly body: unknown;
}

export function firstAnswer(exchange: RawExchange): RawAnswer {
  const headEnd = exchange.text.indexOf('\r\n\r\n');
  if (exchange.status === null || headEnd < 0) throw new Error(`no complete response in: ${exchange.text.slice(0, 200)}`);
  const headers = new Headers(
    exchange.text
      .slice(0, headEnd)
      .split('\r\n')
      .slice(1)
      .map((line): [string, string] => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  // The exchange is latin1 text: back to bytes, which Content-Length counts.
  const bytes = Buffer.from(exchange.text.slice(headEnd + 4), 'latin1').subarray(0, Number(headers.get('content-length') ?? 0));
  const json = headers.get('content-type')?.startsWith('application/json') === true;
  return { status: exchange.status, headers, body: json ? JSON.parse(bytes.toString('utf8')) : bytes.toString('utf8') };
}
