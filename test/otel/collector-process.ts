import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../support/mariadb.js';
import type { CollectorReport } from './collector-main.js';

/**
 * An OTLP collector that is a real process, so that a test can kill it with SIGKILL (its port
 * then refuses connections, as a crashed collector's does) and start it again on the same port.
 * It is otlp-receiver.ts, decoding every export with the official protos.
 */
export interface CollectorProcess {
  readonly url: string;
  /** Requests it answered 200, across its restarts, in arrival order. */
  accepted(): CollectorReport[];
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it listens. */
  start(): Promise<void>;
}

const MAIN = join(import.meta.dirname, 'collector-main.ts');

export async function startCollectorProcess(): Promise<CollectorProcess> {
  const port = await freePort();
  const reports: CollectorReport[] = [];
  let child: ChildProcess | null = null;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const started = spawn(process.execPath, ['--import', 'tsx', MAIN, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      let output = '';
      let pending = '';
      started.stdout.on('data', (data: Buffer) => {
        pending += data.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'LISTENING') resolve();
          else if (line !== '') reports.push(JSON.parse(line) as CollectorReport);
        }
      });
      started.stderr.on('data', (data: Buffer) => (output += data.toString()));
      started.once('exit', (code) => reject(new Error(`the collector exited with ${code}:\n${output}`)));
    });
  // A crashed or killed test worker must not leave it behind.
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();

  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    accepted: () => reports.filter((r) => r.answer === 'ok'),
    async kill() {
      const running = child;
      if (running === null || running.exitCode !== null || running.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    },
    start,
  };
}
