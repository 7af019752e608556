import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// No Docker engine here: these tests pin the Dockerfile to what the chart and package.json expect.
const root = resolve(fileURLToPath(import.meta.url), '../../..');
const read = (path: string): string => readFileSync(`${root}/${path}`, 'utf8');

const dockerfile = read('Dockerfile');
const stages = dockerfile.split(/^FROM /m).slice(1);
const finalStage = stages.at(-1) ?? '';
const deployment = read('helm/db-session-exporter/templates/deployment.yaml');
const values = z
  .object({ podSecurityContext: z.object({ runAsUser: z.number(), runAsGroup: z.number() }), service: z.object({ port: z.number() }) })
  .parse(parse(read('helm/db-session-exporter/values.yaml')));

/** The JSON-array form of a Dockerfile instruction (ENTRYPOINT, CMD). */
function execForm(instruction: string): string[] {
  const line = dockerfile.match(new RegExp(`^${instruction} (\\[.*\\])$`, 'm'));
  if (!line) throw new Error(`Dockerfile has no ${instruction} in JSON-array form`);
  return z.array(z.string()).parse(JSON.parse(line[1]!));
}

describe('Dockerfile', () => {
  it('builds in one node:24-slim stage and ships only production dependencies in the next', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:24-slim\b/);
    expect(stages[0]).toMatch(/RUN npm ci\b/);
    expect(stages[0]).toMatch(/npm run build/);
    expect(finalStage).toMatch(/RUN npm ci --omit=dev\b/);
  });

  it('runs the package bin as the non-root uid the chart runs', () => {
    const pkg = z.object({ bin: z.record(z.string(), z.string()) }).parse(JSON.parse(read('package.json')));
    expect(execForm('ENTRYPOINT')).toEqual(['node', pkg.bin['db-session-exporter']]);
    expect(finalStage).toContain(`USER ${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
  });

  it('reads its config where the chart mounts it and listens where the chart probes it', () => {
    expect(execForm('CMD')).toEqual(['--config.file=/etc/db-session-exporter/config.yml']);
    expect(deployment).toContain('- --config.file=/etc/db-session-exporter/config.yml');
    expect(deployment).toMatch(/- name: config\n\s+mountPath: \/etc\/db-session-exporter\n/);
    expect(finalStage).toContain('EXPOSE 9797');
    expect(values.service.port).toBe(9797);
  });

  it('keeps build outputs, dependencies and git history out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', 'node_modules', 'dist']) expect(ignored).toContain(entry);
  });
});

describe('package.json "files", what the image ships', () => {
  it('names only the build output and paths that exist in the repository', () => {
    const pkg = z.object({ files: z.array(z.string()) }).parse(JSON.parse(read('package.json')));
    // tsc -p tsconfig.build.json compiles src/ into dist/src/ (outDir dist, rootDir .).
    const built = 'dist/src';
    expect(pkg.files).toContain(built);
    for (const entry of pkg.files.filter((f) => f !== built)) expect(existsSync(`${root}/${entry}`), entry).toBe(true);
  });
});
