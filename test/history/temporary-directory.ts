import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export async function temporaryDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'history-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A fresh directory for each test of the calling file, created before its other hooks run. */
export function directoryPerTest(): { readonly path: string } {
  let current: Awaited<ReturnType<typeof temporaryDirectory>> | null = null;
  beforeEach(async () => {
    current = await temporaryDirectory();
  });
  afterEach(async () => {
    await current?.remove();
  });
  return {
    get path(): string {
      if (current === null) throw new Error('directoryPerTest: used outside a test');
      return current.path;
    },
  };
}
