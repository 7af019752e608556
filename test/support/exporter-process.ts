import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './mariadb.js';
import { parseSamples, type Sample } from './prometheus-text.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli.js');

/** The exporter as users run it: the built CLI in its own process. */
export interface ExporterProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly configPath: string;
  logs(): string;
  samples(): Promise<Sample[]>;
  /** Polls /metrics until `check` passes (it throws until then) or the time is up. */
  waitFor<T>(check: (samples: Sample[]) => T, timeoutMs?: number): Promise<T>;
  writeConfig(config: object | string): void;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /**
   * What to wait for before returning: `ready` (default; /-/ready answers 200, every target has
   * been tried once) or `listening` (/-/healthy answers 200), for tests of what comes before.
   */
  readonly waitUntil?: 'ready' | 'listening';
  /** Node options before the CLI, e.g. to preload a test probe. */
  readonly nodeArgs?: readonly string[];
}

export async function startExporterProcess(config: object | string, extraArgs: string[] = [], options: StartOptions = {}): Promise<ExporterProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-exporter-'));
  const configPath = join(dir, 'config.yml');
  const writeConfig = (c: object | string) => writeFileSync(configPath, typeof c === 'string' ? c : stringify(c));
  writeConfig(config);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), CLI, `--config.file=${configPath}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=debug', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const samples = async () => parseSamples(await (await fetch(`${url}/metrics`)).text());
  const waitFor = async <T>(check: (s: Sample[]) => T, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return check(await samples());
      } catch (error) {
        if (child.exitCode !== null) throw new Error(`exporter exited (${child.exitCode}):\n${output}`);
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await waitFor200(`${url}${options.waitUntil === 'listening' ? '/-/healthy' : '/-/ready'}`, child, () => output);
  return {
    url,
    child,
    configPath,
    logs: () => output,
    samples,
    waitFor,
    writeConfig,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

async function waitFor200(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exporter exited with ${child.exitCode}:\n${logs()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
