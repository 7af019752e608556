import { spawnSync } from 'node:child_process';

export interface PromtoolRun {
  readonly status: number | null;
  /** stdout and stderr together: promtool reports failures on either. */
  readonly output: string;
}

/** Runs promtool; a missing binary fails the calling test with the way to install it. */
export function runPromtool(args: readonly string[], cwd: string): PromtoolRun {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (run.error) {
    throw new Error(
      `promtool could not be started (${run.error.message}). ` +
        'It ships with Prometheus: on Debian/Ubuntu run `apt-get install prometheus`.',
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
