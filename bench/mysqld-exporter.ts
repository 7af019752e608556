import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/mariadb.js';

export const MYSQLD_EXPORTER = '/usr/bin/prometheus-mysqld-exporter';

/** Collectors mysqld_exporter 0.14 runs unless told not to: all off, so only the processlist is compared. */
const DEFAULT_COLLECTORS = [
  'global_status',
  'global_variables',
  'slave_status',
  'info_schema.innodb_cmp',
  'info_schema.innodb_cmpmem',
  'info_schema.query_response_time',
];

export interface MysqldExporter {
  readonly url: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface Account {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** Debian's prometheus-mysqld-exporter with the processlist collector alone, reading `account`. */
export async function startMysqldExporter(account: Account): Promise<MysqldExporter> {
  if (!existsSync(MYSQLD_EXPORTER)) throw new Error(`${MYSQLD_EXPORTER} is missing (apt-get install prometheus-mysqld-exporter)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-mysqld-exporter-'));
  const myCnf = join(dir, 'my.cnf');
  writeFileSync(myCnf, `[client]\nuser=${account.user}\npassword=${account.password}\nhost=${account.host}\nport=${account.port}\n`, {
    mode: 0o600,
  });
  const port = await freePort();
  const child = spawn(
    MYSQLD_EXPORTER,
    [
      `--config.my-cnf=${myCnf}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--collect.info_schema.processlist',
      ...DEFAULT_COLLECTORS.map((c) => `--no-collect.${c}`),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitForMetrics(url, child, () => output);
  return {
    url,
    logs: () => output,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForMetrics(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mysqld_exporter exited with ${child.exitCode}:\n${logs()}`);
    try {
      const body = await (await fetch(`${url}/metrics`)).text();
      if (/^mysql_up 1$/m.test(body)) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`mysqld_exporter not up in time:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
