import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { freePort } from '../support/mariadb.js';
import { requireBinary, startDaemon } from './daemon.js';

export interface PrometheusOptions {
  /** host:port of the exporter. */
  readonly scrapeTarget: string;
  readonly jobName: string;
  /** Text of a rules file in Prometheus format. */
  readonly rules: string;
  /** host:port of the Alertmanager. */
  readonly alertmanager: string;
  /** `--storage.tsdb.retention.time`; Prometheus's default (15d) when absent. */
  readonly retention?: string;
  /** Where it listens; a free port when not given (a test that must name it first gives one). */
  readonly port?: number;
}

const QueryResult = z.object({
  status: z.literal('success'),
  data: z.object({ resultType: z.string(), result: z.array(z.object({ metric: z.record(z.string(), z.string()) })) }),
});
export type QueryResult = z.infer<typeof QueryResult>['data'];

const RulesResult = z.object({
  status: z.literal('success'),
  data: z.object({
    groups: z.array(
      z.object({
        name: z.string(),
        rules: z.array(
          z.object({ name: z.string(), type: z.string(), health: z.string(), lastError: z.string().optional(), lastEvaluation: z.string() }),
        ),
      }),
    ),
  }),
});
const LabelValues = z.object({ status: z.literal('success'), data: z.array(z.string()) });

export type RuleState = z.infer<typeof RulesResult>['data']['groups'][number]['rules'][number];

/** A real Prometheus server on loopback, its HTTP API and its own temporary storage. */
export interface PrometheusServer {
  readonly url: string;
  /** An instant query at the current time; rejects when Prometheus rejects the expression. */
  query(expr: string): Promise<QueryResult>;
  /** A range query over the last `rangeSeconds`, as a time series panel sends it. */
  queryRange(expr: string, rangeSeconds: number, stepSeconds: number): Promise<QueryResult>;
  /** The values of `label` on the series `match` selects. */
  labelValues(label: string, match: string): Promise<string[]>;
  rules(): Promise<RuleState[]>;
  logs(): string;
  /** SIGKILL, keeping its storage: what a crash does. */
  kill(): Promise<void>;
  /** Starts it again after kill(), on the same port and storage (it replays its write-ahead log). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = requireBinary(['prometheus'], 'prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'dbsession-prometheus-'));
  writeFileSync(join(dir, 'rules.yml'), options.rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      // As fast as the exporter reads its targets, so that a test sees changes within seconds.
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] },
      scrape_configs: [{ job_name: options.jobName, static_configs: [{ targets: [options.scrapeTarget] }] }],
    }),
  );
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const launch = () =>
    startDaemon({
      name: 'Prometheus',
      command: binary,
      args: [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...(options.retention === undefined ? [] : [`--storage.tsdb.retention.time=${options.retention}`]),
      ],
      url,
      readyPath: '/-/ready',
    });
  let daemon = await launch().catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });

  const api = async (path: string, params: Record<string, string>): Promise<unknown> => {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const body: unknown = await response.json();
    if (!response.ok) throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  const now = () => Date.now() / 1000;
  return {
    url,
    query: async (expr) => QueryResult.parse(await api('/api/v1/query', { query: expr, time: String(now()) })).data,
    queryRange: async (expr, rangeSeconds, stepSeconds) => {
      const end = now();
      const params = { query: expr, start: String(end - rangeSeconds), end: String(end), step: String(stepSeconds) };
      return QueryResult.parse(await api('/api/v1/query_range', params)).data;
    },
    labelValues: async (label, match) =>
      LabelValues.parse(await api(`/api/v1/label/${encodeURIComponent(label)}/values`, { 'match[]': match })).data,
    rules: async () => RulesResult.parse(await api('/api/v1/rules', {})).data.groups.flatMap((g) => g.rules),
    logs: () => daemon.logs(),
    kill: () => daemon.kill(),
    async restart() {
      daemon = await launch();
    },
    async stop() {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
