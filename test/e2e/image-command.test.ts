import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../../src/config/load.js';
import { CLI, REPO_ROOT } from '../support/exporter-process.js';
import { freePort, startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { parseSamples, valueOf } from '../support/prometheus-text.js';
import { startDaemon, type Daemon } from './daemon.js';

/**
 * No Docker engine here: instead the built dist/ runs under the command of the Dockerfile's final
 * stage, from a directory laid out like the image's WORKDIR, and the chart's default config is
 * checked against the exporter's own parser.
 */
const IMAGE_CONFIG_PATH = '/etc/db-session-exporter/config.yml';
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const pkg = z
  .object({
    version: z.string(),
    bin: z.record(z.string(), z.string()),
    dependencies: z.record(z.string(), z.string()),
    devDependencies: z.record(z.string(), z.string()),
  })
  .parse(JSON.parse(read('package.json')));

interface ImageCommand {
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  /** ENTRYPOINT followed by CMD, as `docker run` without arguments runs it. */
  readonly argv: readonly string[];
}

/** WORKDIR, ENV and the exec-form ENTRYPOINT and CMD of the Dockerfile's last stage. */
function finalStageCommand(dockerfile: string): ImageCommand {
  const stage = dockerfile.split(/^FROM /m).at(-1) ?? '';
  const instruction = (name: string) => [...stage.matchAll(new RegExp(`^${name} (.+)$`, 'gm'))].map((m) => m[1]!);
  const execForm = (name: string) => {
    const [last] = instruction(name).slice(-1);
    if (last === undefined) throw new Error(`the final stage has no ${name}`);
    return z.array(z.string()).parse(JSON.parse(last));
  };
  const env = Object.fromEntries(
    instruction('ENV').flatMap((line) => [...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const)),
  );
  const [workdir] = instruction('WORKDIR').slice(-1);
  if (workdir === undefined) throw new Error('the final stage has no WORKDIR');
  return { workdir, env, argv: [...execForm('ENTRYPOINT'), ...execForm('CMD')] };
}

const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Every string literal of the compiled ESM under `dir`, and which of them are import specifiers. */
function moduleReferences(dir: string): { imported: Set<string>; literals: Set<string> } {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  const sources = files.map((file) => readFileSync(join(dir, file), 'utf8'));
  const all = (pattern: RegExp) => sources.flatMap((text) => [...text.matchAll(pattern)].map((m) => m[1]!));
  const imported = all(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g).filter((s) => !s.startsWith('.') && !isBuiltin(s));
  return { imported: new Set(imported.map(packageName)), literals: new Set(all(/['"`]([^'"`\s]+)['"`]/g)) };
}

describe('the container image command', () => {
  const command = finalStageCommand(read('Dockerfile'));
  let db: TestDatabase;
  let appDir: string;
  let exporter: Daemon;

  beforeAll(async () => {
    db = await startTestDatabase();
    // The image's WORKDIR holds package.json and dist/src (package.json "files"); modules resolve
    // from the real path of dist/src, so the repository's node_modules serve as the installed ones.
    appDir = mkdtempSync(join(tmpdir(), 'dbsession-image-'));
    mkdirSync(join(appDir, 'dist'));
    symlinkSync(join(REPO_ROOT, 'dist/src'), join(appDir, 'dist/src'));
    writeFileSync(join(appDir, 'package.json'), read('package.json'));
    const configPath = join(appDir, 'config.yml');
    writeFileSync(configPath, stringify({ scrape_interval: '1s', targets: [{ name: 'db', url: db.url }] }));

    const [program, ...args] = command.argv.map((arg) => arg.replace(IMAGE_CONFIG_PATH, configPath));
    expect(program).toBe('node');
    const port = await freePort();
    exporter = await startDaemon({
      name: 'the exporter under the image command',
      command: process.execPath,
      // In the image it listens on :9797 in its own network namespace; here it shares the host's.
      args: [...args, `--web.listen-address=127.0.0.1:${port}`],
      url: `http://127.0.0.1:${port}`,
      readyPath: '/-/ready',
      cwd: appDir,
      env: { ...process.env, ...command.env },
    });
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  it('runs the package bin from /app with the config where the chart mounts it', () => {
    expect(command.workdir).toBe('/app');
    expect(command.env.NODE_ENV).toBe('production');
    expect(command.argv).toEqual(['node', pkg.bin['db-session-exporter'], `--config.file=${IMAGE_CONFIG_PATH}`]);
    expect(join(REPO_ROOT, pkg.bin['db-session-exporter']!)).toBe(CLI);
  });

  it('starts, becomes ready and serves the target it reads', async () => {
    expect((await fetch(`${exporter.url}/-/ready`)).status).toBe(200);
    const samples = parseSamples(await (await fetch(`${exporter.url}/metrics`)).text());
    expect(valueOf(samples, 'dbsession_up', { target: 'db' })).toBe(1);
    expect(valueOf(samples, 'dbsession_exporter_build_info', { version: pkg.version })).toBe(1);
  });

  it('uses at run time only production dependencies, the only ones the image installs', () => {
    const { imported, literals } = moduleReferences(join(REPO_ROOT, 'dist/src'));
    expect(imported.size).toBeGreaterThan(0);
    expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    // Also modules found at run time (createRequire(...).resolve of a data file, dynamic imports of a constant).
    const devOnly = Object.keys(pkg.devDependencies);
    expect([...literals].filter((text) => devOnly.includes(packageName(text)))).toEqual([]);
  });

  it('stops cleanly on SIGTERM, as docker stop and Kubernetes send it', async () => {
    expect(await exporter.stop()).toBe(0);
  });
});

describe("the Helm chart's default config", () => {
  it('is accepted by the exporter', () => {
    const values = z.object({ config: z.record(z.string(), z.unknown()) }).parse(parse(read('helm/db-session-exporter/values.yaml')));
    // The chart renders it with toYaml into the ConfigMap the pod mounts.
    const config = parseConfig(stringify(values.config), 'helm/db-session-exporter/values.yaml (config)');
    expect(config.targets.map((t) => t.name)).toEqual(['mysql']);
    // The embedded history store, in the directory the chart mounts its volume at and the image declares.
    expect(config.history).toEqual({ mode: 'embedded', path: '/var/lib/db-session-exporter', retentionMs: 31 * 86_400_000 });
    expect(read('Dockerfile')).toContain('VOLUME ["/var/lib/db-session-exporter"]');
  });
});
