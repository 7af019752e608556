#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startExporter } from './app.js';
import { ConfigError } from './config/load.js';
import { createLogger, LOG_LEVELS, type LogLevel } from './logging/logger.js';
import { VERSION } from './version.js';

const HELP = `usage: db-session-exporter [flags]

Prometheus and OpenTelemetry exporter for database sessions (OceanBase, MySQL, MariaDB).

Flags:
  --config.file=PATH            YAML configuration (default: watch mysql://root@127.0.0.1:3306)
  --web.listen-address=ADDR     where to serve /metrics and the APIs (default ":9797")
  --web.config.file=PATH        TLS and basic auth, in the Prometheus exporter-toolkit format
  --log.level=LEVEL             debug, info, warn or error (default "info")
  --help                        show this help
  --version                     show the version
`;

/** Prometheus-style flags use dots and `--flag=value`; node's parseArgs handles both forms. */
function parseFlags(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'config.file': { type: 'string' },
      'web.listen-address': { type: 'string', default: ':9797' },
      'web.config.file': { type: 'string' },
      'log.level': { type: 'string', default: 'info' },
      help: { type: 'boolean', default: false },
      version: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return values;
}

function fail(message: string): never {
  process.stderr.write(`db-session-exporter: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`);
  }
  if (flags.help) return void process.stdout.write(HELP);
  if (flags.version) return void process.stdout.write(`db-session-exporter ${VERSION} (node ${process.version})\n`);
  const level = flags['log.level'];
  if (!(LOG_LEVELS as readonly string[]).includes(level)) fail(`--log.level must be one of ${LOG_LEVELS.join(', ')}`);
  const log = createLogger(level as LogLevel);

  let exporter: Awaited<ReturnType<typeof startExporter>>;
  try {
    exporter = await startExporter({
      configPath: flags['config.file'],
      webConfigPath: flags['web.config.file'],
      listenAddress: flags['web.listen-address'],
      log,
    });
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    log.error({ err: message }, 'cannot start');
    fail(message);
  }

  process.on('SIGHUP', () => void exporter.reload());
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // In-flight requests get a bounded time to finish; then we go regardless.
    const force = setTimeout(() => {
      log.warn('in-flight work did not finish within 10 s: exiting anyway');
      process.exit(0);
    }, 10_000);
    force.unref();
    exporter.stop().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

// A bug must show in the log, but must not take the exporter down with it.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'unhandled rejection', err: String(reason) })}\n`);
});

void main();
