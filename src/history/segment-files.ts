import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * On-disk layout: `<path>/target-<url-encoded target>/<YYYY-MM-DD>.seg`, one segment per target
 * and UTC day. Per-target files keep each file's timestamps strictly increasing, which is what
 * lets a query pick its files by time and retention delete whole files.
 */
export const DAY_MS = 86_400_000;
const TARGET_PREFIX = 'target-';
const SEGMENT_SUFFIX = '.seg';
const TEMP_SUFFIX = '.tmp';

export function dayStartOf(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

export function segmentPath(dir: string, dayStart: number): string {
  return join(dir, new Date(dayStart).toISOString().slice(0, 10) + SEGMENT_SUFFIX);
}

export function targetDir(root: string, target: string): string {
  return join(root, TARGET_PREFIX + encodeURIComponent(target));
}

export async function listTargetDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && entry.name.startsWith(TARGET_PREFIX)).map((entry) => join(root, entry.name));
}

/** Segment files oldest first; leftovers of an interrupted `writeFileDurably` are removed. */
export async function listSegments(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  await Promise.all(names.filter((name) => name.endsWith(TEMP_SUFFIX)).map((name) => rm(join(dir, name), { force: true })));
  return names
    .filter((name) => name.endsWith(SEGMENT_SUFFIX))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Creates `path` holding `data` so that after a crash it either does not exist or holds all of
 * it: written to a temporary name, synced, renamed, and the directory synced.
 */
export async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  const temp = path + TEMP_SUFFIX;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(join(path, '..'));
}

/** Makes a new or renamed entry of `dir` survive power loss, not just a process crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
