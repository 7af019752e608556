import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.js';
import { ConfigError, defaultConfig, loadConfigFile } from './config/load.js';
import { createHttpApp } from './http/server.js';
import { metricsHandler } from './http/metrics-route.js';
import { createObshellApi } from './http/obshell/router.js';
import { parseListenAddress } from './http/listen-address.js';
import type { Logger } from './logging/logger.js';
import { createPrometheusRegistry } from './metrics/prometheus.js';
import { StartedSessions } from './metrics/started-sessions.js';
import { ScrapeManager } from './scrape/scrape-manager.js';
import { plainEnrichment } from './snapshot/enrichment.js';
import type { TargetSnapshot } from './snapshot/snapshot.js';
import { VERSION } from './version.js';

export interface ExporterOptions {
  /** No path: the embedded default (the local MySQL/MariaDB). */
  readonly configPath: string | undefined;
  readonly listenAddress: string;
  readonly log: Logger;
}

export interface Exporter {
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:9797. */
  readonly url: string;
  readonly manager: ScrapeManager;
  reload(): Promise<{ ok: boolean; error?: string }>;
  /** Stops accepting, finishes in-flight requests, stops scraping. */
  stop(): Promise<void>;
}

async function readConfig(path: string | undefined): Promise<Config> {
  return path === undefined ? defaultConfig() : loadConfigFile(path);
}

/** The composition root: config -> sources -> snapshots -> views -> adapters. */
export async function startExporter(options: ExporterOptions): Promise<Exporter> {
  const { log } = options;
  let config = await readConfig(options.configPath);
  let reloadOk = true;
  let reloadAt = Date.now();
  const started = new StartedSessions();
  const manager = new ScrapeManager({
    log,
    enrichment: () => plainEnrichment,
    onSnapshot: (snapshot: TargetSnapshot) => started.add(snapshot),
  });
  const obshell = await createObshellApi({ store: manager, log }, config);

  const reload = async (): Promise<{ ok: boolean; error?: string }> => {
    try {
      const next = await readConfig(options.configPath);
      const applyObshell = await obshell.prepare(next);
      await manager.apply(next);
      applyObshell();
      started.forgetTargetsExcept(manager.names());
      config = next;
      reloadOk = true;
      reloadAt = Date.now();
      log.info({ targets: next.targets.map((t) => t.name) }, 'config reloaded');
      return { ok: true };
    } catch (error) {
      reloadOk = false;
      const message = error instanceof ConfigError ? error.message : String(error);
      log.error({ err: message }, 'config reload failed: keeping the previous config');
      return { ok: false, error: message };
    }
  };

  const app = createHttpApp({
    version: VERSION,
    metrics: metricsHandler((contentType) =>
      createPrometheusRegistry(
        {
          store: manager,
          started,
          limits: () => config.labels,
          configReloadSuccessful: () => reloadOk,
          configReloadTimestamp: () => reloadAt,
          version: VERSION,
        },
        contentType,
      ),
    ),
    ready: () => manager.ready(),
    reload,
    apis: [obshell.mount],
  });

  const { host, port } = parseListenAddress(options.listenAddress);
  const server = await listen(app, host, port);
  await manager.apply(config);
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url, targets: config.targets.map((t) => t.name), version: VERSION }, 'db-session-exporter started');

  return {
    url,
    manager,
    reload,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await manager.stop();
    },
  };
}

function listen(app: ReturnType<typeof createHttpApp>, host: string | undefined, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host ?? '::', (error?: Error) => (error ? reject(error) : resolve(server)));
    server.once('error', reject);
  });
}
