import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import type { Config } from './config/schema.js';
import { ConfigError, defaultConfig, loadConfigFile } from './config/load.js';
import { openGeoIp } from './geoip/resolver.js';
import { openHistory } from './history/history-mode.js';
import { createAppgateApi } from './http/appgate/router.js';
import { createDbssApi } from './http/dbss/router.js';
import { BasicAuthGuard } from './http/basic-auth.js';
import { createHttpApp, listenHttp } from './http/server.js';
import { loadWebConfig, NO_WEB_CONFIG, tlsChangeNeedsRestart, WebConfigError, type WebConfig } from './http/web-config.js';
import { metricsHandler } from './http/metrics-route.js';
import { createObshellApi } from './http/obshell/router.js';
import { parseListenAddress } from './http/listen-address.js';
import { BearerTokens, TokenGate } from './http/tokens-file.js';
import type { Logger } from './logging/logger.js';
import { historyMetrics } from './metrics/history-metrics.js';
import { createPrometheusRegistry } from './metrics/prometheus.js';
import { StartedSessions } from './metrics/started-sessions.js';
import { OtlpPush } from './otel/otlp-push.js';
import { ScrapeManager } from './scrape/scrape-manager.js';
import type { TargetSnapshot } from './snapshot/snapshot.js';
import { createClientClassifier } from './versions/classifier.js';
import { VERSION } from './version.js';

export interface ExporterOptions {
  /** No path: the embedded default (the local MySQL/MariaDB). */
  readonly configPath: string | undefined;
  /** `--web.config.file`: TLS and basic auth in the exporter-toolkit format; none: plain and open. */
  readonly webConfigPath?: string | undefined;
  readonly listenAddress: string;
  readonly log: Logger;
}

export interface Exporter {
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:9797 (https with TLS). */
  readonly url: string;
  readonly manager: ScrapeManager;
  /** Re-reads the config and the web config; when either is broken, both old ones stay. */
  reload(): Promise<{ ok: boolean; error?: string }>;
  /** Stops accepting, finishes in-flight requests, stops scraping. */
  stop(): Promise<void>;
}

async function readConfig(path: string | undefined): Promise<Config> {
  return path === undefined ? defaultConfig() : loadConfigFile(path);
}

/** `auth.dashboard.tokens_file`, `auth.dbss.tokens_file`: none means the API family is open (clarification 3). */
async function readTokens(path: string | undefined): Promise<BearerTokens | undefined> {
  return path === undefined ? undefined : BearerTokens.read(path);
}

async function readWebConfig(path: string | undefined): Promise<WebConfig> {
  return path === undefined ? NO_WEB_CONFIG : loadWebConfig(path);
}

/** The composition root: config -> sources -> snapshots -> views -> adapters. */
export async function startExporter(options: ExporterOptions): Promise<Exporter> {
  const { log } = options;
  let config = await readConfig(options.configPath);
  let web = await readWebConfig(options.webConfigPath);
  const basicAuth = new BasicAuthGuard(web.users, { log });
  let reloadOk = true;
  let reloadAt = Date.now();
  const started = new StartedSessions();
  // A database that cannot be opened at start is a config error; later, one that cannot be
  // reopened leaves the loaded one in use.
  let geo = await openGeoIp(config.geoip, log);
  let classify = createClientClassifier(config.client_versions);
  const dashboardGate = new TokenGate(await readTokens(config.auth?.dashboard?.tokens_file), { api: 'dashboard', log });
  const dbssGate = new TokenGate(await readTokens(config.auth?.dbss?.tokens_file), { api: 'dbss', log });
  // History settings apply at start only: the embedded store holds its directory while running.
  const history = await openHistory(config.history, log);
  const manager = new ScrapeManager({
    log,
    enrichment: () => ({ locate: (ip) => geo.lookup(ip), classify }),
    onSnapshot: (snapshot: TargetSnapshot) => {
      void started.add(snapshot);
      history.recorder.observe(snapshot);
    },
  });
  const obshell = await createObshellApi({ store: manager, log }, config);
  const otlp = new OtlpPush({
    sources: { store: manager, started, limits: () => config.labels },
    log,
    version: VERSION,
    instanceId: `${hostname()}:${parseListenAddress(options.listenAddress).port}`,
  });
  const applyOtlp = await otlp.prepare(config.otlp);

  const reload = async (): Promise<{ ok: boolean; error?: string }> => {
    try {
      const next = await readConfig(options.configPath);
      const nextWeb = await readWebConfig(options.webConfigPath);
      const restart = tlsChangeNeedsRestart(web.tls, nextWeb.tls);
      if (restart) throw new WebConfigError(`${options.webConfigPath}: ${restart}`);
      const applyObshell = await obshell.prepare(next);
      const applyNextOtlp = await otlp.prepare(next.otlp);
      const dashboardTokens = await readTokens(next.auth?.dashboard?.tokens_file);
      const dbssTokens = await readTokens(next.auth?.dbss?.tokens_file);
      const nextGeo = next.geoip.database === config.geoip.database ? geo : await openGeoIp(next.geoip, log);
      const nextClassify = createClientClassifier(next.client_versions);
      await manager.apply(next);
      applyObshell();
      applyNextOtlp();
      classify = nextClassify;
      dashboardGate.use(dashboardTokens);
      dbssGate.use(dbssTokens);
      if (!isDeepStrictEqual(next.history, config.history)) log.warn('history settings changed: they apply at the next restart');
      if (nextGeo !== geo) {
        geo.close();
        geo = nextGeo;
      }
      if (nextWeb.tls) http.updateTls(nextWeb.tls);
      basicAuth.setUsers(nextWeb.users);
      web = nextWeb;
      started.forgetTargetsExcept(manager.names());
      history.recorder.forgetTargetsExcept(manager.names());
      config = next;
      reloadOk = true;
      reloadAt = Date.now();
      log.info({ targets: next.targets.map((t) => t.name) }, 'config reloaded');
      return { ok: true };
    } catch (error) {
      reloadOk = false;
      const message = error instanceof ConfigError || error instanceof WebConfigError ? error.message : String(error);
      log.error({ err: message }, 'config reload failed: keeping the previous config');
      return { ok: false, error: message };
    }
  };

  const app = createHttpApp({
    version: VERSION,
    log,
    authenticate: basicAuth.middleware,
    responseHeaders: () => web.headers,
    metrics: metricsHandler((contentType) =>
      createPrometheusRegistry(
        {
          store: manager,
          started,
          limits: () => config.labels,
          configReloadSuccessful: () => reloadOk,
          configReloadTimestamp: () => reloadAt,
          version: VERSION,
          extra: [otlp.failures, ...historyMetrics(started)],
        },
        contentType,
      ),
    ),
    ready: () => manager.ready(),
    reload,
    apis: [
      obshell.mount,
      ...createAppgateApi({ store: manager, gate: dashboardGate, log }),
      createDbssApi({ store: manager, latest: (target) => history.recorder.latestSnapshot(target), history: history.dbss, gate: dbssGate, log }),
    ],
  });

  const { host, port } = parseListenAddress(options.listenAddress);
  const http = await listenHttp(app, { host, port, tls: web.tls, log });
  await manager.apply(config);
  applyOtlp();
  const { url } = http;
  log.info(
    { url, targets: config.targets.map((t) => t.name), version: VERSION, tls: web.tls !== null, basicAuth: web.users.size > 0 },
    'db-session-exporter started',
  );

  return {
    url,
    manager,
    reload,
    async stop() {
      // In-flight requests may still read through the sources: they finish before scraping stops.
      await http.close();
      // Before scraping stops, so that the last export still sees the targets.
      await otlp.stop();
      await manager.stop();
      geo.close();
      // After the last scrape, so that the last snapshot is in the history.
      await history.recorder.close();
    },
  };
}
