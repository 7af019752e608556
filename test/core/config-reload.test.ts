import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { select, valueOf } from '../support/prometheus-text.js';

describe('configuration at start and on reload', () => {
  let db: TestDatabase;
  let exporter: ExporterProcess;

  beforeAll(async () => {
    db = await startTestDatabase();
    exporter = await startExporterProcess({ scrape_interval: '1s', targets: [{ name: 'first', url: db.url }] });
  });

  afterAll(async () => {
    await exporter?.stop();
    await db?.destroy();
  });

  it('refuses to start on an invalid config, naming the key and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbsession-config-'));
    const path = join(dir, 'bad.yml');
    writeFileSync(path, 'targets:\n  - name: x\n    url: mysql://u:secret@h:3306\n');
    const run = spawnSync(process.execPath, [CLI, `--config.file=${path}`], { encoding: 'utf8', timeout: 10_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`${path}:3: targets[0].url: must not contain a password`);
    expect(run.stderr).not.toContain('secret');
  });

  it('answers --help and --version', () => {
    expect(spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout).toContain('--web.listen-address');
    expect(spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' }).stdout).toMatch(/^db-session-exporter \d+\.\d+\.\d+/);
    expect(spawnSync(process.execPath, [CLI, '--nope'], { encoding: 'utf8' }).status).toBe(2);
  });

  it('keeps the old config when a reload is invalid, and says so', async () => {
    exporter.writeConfig('scrape_interval: often\n');
    const response = await fetch(`${exporter.url}/-/reload`, { method: 'POST' });
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/scrape_interval/);
    const s = await exporter.samples();
    expect(valueOf(s, 'dbsession_config_last_reload_successful')).toBe(0);
    expect(valueOf(s, 'dbsession_up', { target: 'first' })).toBe(1);
    expect(exporter.logs()).toMatch(/config reload failed/);
  });

  it('applies a valid config on SIGHUP', async () => {
    exporter.writeConfig({ scrape_interval: '1s', targets: [{ name: 'second', url: db.url }] });
    exporter.child.kill('SIGHUP');
    await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_config_last_reload_successful')).toBe(1);
      expect(valueOf(s, 'dbsession_up', { target: 'second' })).toBe(1);
      expect(select(s, 'dbsession_up', { target: 'first' })).toEqual([]);
    });
  });

  it('keeps the old config when a SIGHUP reload is invalid, and says so', async () => {
    const failuresLogged = () => exporter.logs().match(/config reload failed/g)?.length ?? 0;
    const before = failuresLogged();
    const scrapedAt = valueOf(await exporter.samples(), 'dbsession_last_scrape_timestamp_seconds', { target: 'second' })!;
    exporter.writeConfig('targets:\n  - name: third\n    url: mysql://u:secret@h:3306\n');
    exporter.child.kill('SIGHUP');
    await exporter.waitFor((s) => {
      expect(valueOf(s, 'dbsession_config_last_reload_successful')).toBe(0);
      // The previous config still runs: its target is scraped again, the new one never appears.
      expect(valueOf(s, 'dbsession_last_scrape_timestamp_seconds', { target: 'second' })).toBeGreaterThan(scrapedAt);
      expect(valueOf(s, 'dbsession_up', { target: 'second' })).toBe(1);
      expect(select(s, 'dbsession_up', { target: 'third' })).toEqual([]);
    });
    expect(failuresLogged()).toBe(before + 1);
    expect(exporter.logs()).toMatch(/targets\[0\]\.url: must not contain a password/);
    expect(exporter.logs()).not.toContain('secret');
    expect(exporter.child.exitCode).toBeNull();
  });
});
