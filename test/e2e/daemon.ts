import { spawn, spawnSync } from 'node:child_process';

/** A server process started by a test, stopped by the test (or when the test worker exits). */
export interface Daemon {
  readonly url: string;
  logs(): string;
  /** SIGTERM, as `docker stop` and Kubernetes send; SIGKILL after 5 s. Resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash or the OOM killer ends it: nothing is flushed. Resolves once it is gone. */
  kill(): Promise<void>;
}

export interface DaemonOptions {
  /** For messages: "Prometheus", "the exporter". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Base URL it serves once up, e.g. http://127.0.0.1:9090. */
  readonly url: string;
  /** Answers 200 once the daemon is ready. */
  readonly readyPath: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly readyTimeoutMs?: number;
}

/**
 * The path of the first of `names` found on PATH (Debian names some binaries differently from
 * upstream); none found, it fails the test with the Debian package to install.
 */
export function requireBinary(names: readonly string[], debianPackage: string): string {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  throw new Error(`${names.join(' or ')} is not installed: the end-to-end tests need it (on Debian/Ubuntu: apt-get install ${debianPackage})`);
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A crashed or killed test worker must not leave servers behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(forced);
    return code;
  };
  const kill = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitUntilReady(options, () => child.exitCode, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: options.url, logs: () => output, stop, kill };
}

async function waitUntilReady(options: DaemonOptions, exitCode: () => number | null, logs: () => string): Promise<void> {
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    const code = exitCode();
    if (code !== null) throw new Error(`${options.name} exited with ${code}:\n${logs()}`);
    try {
      if ((await fetch(`${options.url}${options.readyPath}`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${options.name} was not ready within the time limit:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
