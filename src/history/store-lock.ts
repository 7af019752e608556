import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One writer per store directory: two exporters appending to the same segments would interleave
 * frames. The lock file names its holder's pid; a lock left by a dead process (a crash, kill -9)
 * is taken over, and so is one naming our own pid (a container restarts us under the same pid).
 */
export async function lockStore(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, 'LOCK');
  const pid = String(process.pid);
  try {
    await writeFile(file, pid, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number.parseInt(await readFile(file, 'utf8'), 10);
    if (holder !== process.pid && isRunning(holder)) throw new Error(`history store ${dir} is in use by process ${holder}`);
    await writeFile(file, pid);
  }
  return () => rm(file, { force: true });
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
