import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCertificates } from './certificates.js';
import { CLI } from './exporter-process.js';
import { freePort } from './mariadb.js';

export interface HttpsOptions {
  readonly method?: string;
  readonly authorization?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * The exporter started with --web.config.file, as a real process. Its own harness speaks plain
 * HTTP, so this one waits for readiness over TLS.
 */
export class TlsExporter {
  private output = '';
  readonly child: ChildProcess;

  private constructor(
    readonly port: number,
    readonly webConfigPath: string,
    private readonly certs: TestCertificates,
    private readonly client: Pick<HttpsOptions, 'cert' | 'key'>,
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'dbsession-web-'));
    const configPath = join(dir, 'config.yml');
    // A target nobody listens on: attempted (so ready) at once; these tests are about HTTP.
    writeFileSync(configPath, 'scrape_interval: 1s\ntargets:\n  - name: nowhere\n    url: mysql://exporter@127.0.0.1:1\n');
    this.child = spawn(
      process.execPath,
      [CLI, `--config.file=${configPath}`, `--web.config.file=${webConfigPath}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(certs: TestCertificates, webConfig: string, client: Pick<HttpsOptions, 'cert' | 'key'> = {}): Promise<TlsExporter> {
    const webConfigPath = join(mkdtempSync(join(tmpdir(), 'dbsession-web-')), 'web.yml');
    writeFileSync(webConfigPath, webConfig);
    const exporter = new TlsExporter(await freePort(), webConfigPath, certs, client);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (exporter.child.exitCode !== null) throw new Error(`exporter exited:\n${exporter.logs()}`);
      const ready = await exporter.get('/-/ready').catch(() => null);
      if (ready?.status === 200) return exporter;
      if (Date.now() > deadline) throw new Error(`exporter not ready:\n${exporter.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  logs(): string {
    return this.output;
  }

  get(path: string, options: HttpsOptions = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: options.method ?? 'GET',
          ca: this.certs.read(this.certs.caCert),
          servername: 'localhost',
          headers: options.authorization ? { authorization: options.authorization } : {},
          ...this.client,
          ...(options.cert && { cert: options.cert, key: options.key }),
          ...(options.maxVersion && { maxVersion: options.maxVersion }),
          agent: false,
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(5_000, () => req.destroy(new Error('timed out')));
      req.end();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
