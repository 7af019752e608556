import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mysql2/promise';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO_ROOT, startExporterProcess, type ExporterProcess } from '../support/exporter-process.js';
import { startTestDatabase, type TestDatabase } from '../support/mariadb.js';
import { OB_SESSIONS, obSession, seedOceanBase, setSessions } from '../support/oceanbase-schema.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { dashboardQueries, variableQueries, type PanelQuery } from './dashboard-queries.js';
import { deriveRules, withoutThreshold } from './derived-rules.js';
import { startPrometheus, type PrometheusServer } from './prometheus.js';
import { startWebhookReceiver, type NotifiedAlert, type WebhookReceiver } from './webhook-receiver.js';

/**
 * The shipped dashboard and alert rules against the real thing: MariaDB sessions opened here, the
 * exporter process, Debian's Prometheus scraping it with the rules loaded, and Alertmanager
 * notifying a webhook in this test.
 */
const RULES_FILE = `${REPO_ROOT}/helm/db-session-exporter/files/alerts.yml`;
const DASHBOARD_FILE = `${REPO_ROOT}/grafana/db-session-exporter.json`;
// DbSessionExporterDown matches job names containing this; use the documented one.
const JOB = 'db-session-exporter';
const LONG_SESSION = 'DbSessionLongRunningSession';
const LONG_SESSION_THRESHOLD_SECONDS = 2;

/** Emulated OceanBase sessions from public addresses, so that the geomap has countries to show. */
const PUBLIC_CLIENT_SESSIONS = [
  obSession({ ID: 3221600001, USER: 'app', DB: 'shop', HOST: '8.8.8.8:40001', USER_CLIENT_IP: '8.8.8.8' }),
  obSession({ ID: 3221600002, TENANT: 't2', USER: 'batch', DB: 'dw', HOST: '[2a00:1450:4001::1]:40002', USER_CLIENT_IP: '2a00:1450:4001::1' }),
  obSession({ ID: 3221600003, USER: 'report', DB: 'test', HOST: '193.0.6.139:40003', USER_CLIENT_IP: '193.0.6.139' }),
];

const AlertRules = z.object({ groups: z.array(z.object({ rules: z.array(z.object({ alert: z.string(), expr: z.string() })) })) });
const shippedRules = readFileSync(RULES_FILE, 'utf8');
const shippedRuleList = AlertRules.parse(parse(shippedRules)).groups.flatMap((g) => g.rules);
const shippedAlerts = shippedRuleList.map((r) => r.alert);

/**
 * Alerts whose expression cannot have data in this test, with the reason. For them the test asks
 * for data from the first operand and for none from the whole, so that this list cannot go stale.
 */
const NO_DATA_HERE: Readonly<Record<string, string>> = {
  DbSessionClientSessionsSurge:
    'its baseline, max_over_time(...[1h] offset 15m), ends 15 minutes before now, long before this Prometheus started; ' +
    'test/alerts/sessions.test.yml runs it on hours of series',
};

/** An OTLP endpoint that is always overloaded, so that the exporter's OTLP failure counter moves. */
interface RefusingCollector {
  readonly url: string;
  close(): Promise<void>;
}

async function startRefusingCollector(): Promise<RefusingCollector> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(503).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function until<T>(attempt: () => Promise<T | undefined>, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('dashboard and alert rules on a real Prometheus and Alertmanager', () => {
  let maria: TestDatabase;
  let ob: TestDatabase;
  let exporter: ExporterProcess;
  let webhook: WebhookReceiver;
  let alertmanager: AlertmanagerServer;
  let prometheus: PrometheusServer;
  let collector: RefusingCollector;
  const sessions: Connection[] = [];

  beforeAll(async () => {
    [maria, ob, webhook, collector] = await Promise.all([
      startTestDatabase(),
      startTestDatabase(),
      startWebhookReceiver(),
      startRefusingCollector(),
    ]);
    const admin = await maria.connect();
    for (const schema of ['shop', 'crm', 'billing']) await admin.query(`CREATE DATABASE ${schema}`);
    for (const user of ['alice', 'bob', 'carol']) {
      await admin.query(`CREATE USER '${user}'@'%'`);
      await admin.query(`GRANT ALL ON *.* TO '${user}'@'%'`);
    }
    await admin.end();
    const obAdmin = await ob.connect();
    await seedOceanBase(obAdmin);
    await setSessions(obAdmin, [...OB_SESSIONS, ...PUBLIC_CLIENT_SESSIONS]);
    await obAdmin.end();

    exporter = await startExporterProcess({
      scrape_interval: '1s',
      scrape_timeout: '1s',
      targets: [
        { name: 'maria', url: maria.url, tenant: 'main' },
        { name: 'ob', url: ob.url, flavor: 'oceanbase' },
      ],
      otlp: { endpoint: collector.url, interval: '1s', timeout: '1s' },
      // This test's own mysql2 sessions are on a version the policy calls unsupported, so that
      // DbSessionUnsupportedClientVersion has series to compare with its threshold.
      client_versions: { policy: { clients: { 'Node-MySQL-2': { full: '>=99.0.0' } } } },
    });
    // Opened after the exporter's first scrape: these count as started sessions.
    for (const [user, database, count] of [['alice', 'shop', 2], ['bob', 'crm', 1], ['carol', 'billing', 2]] as const) {
      for (let i = 0; i < count; i++) sessions.push(await maria.connect({ user, database }));
    }

    alertmanager = await startAlertmanager(webhook.url);
    prometheus = await startPrometheus({
      scrapeTarget: new URL(exporter.url).host,
      jobName: JOB,
      rules: deriveRules(shippedRules, { alert: LONG_SESSION, threshold: LONG_SESSION_THRESHOLD_SECONDS, for: '2s' }),
      alertmanager: alertmanager.address,
    });
    await until(
      async () => ((await prometheus.query('dbsession_up == 1')).result.length === 2 ? true : undefined),
      20_000,
      () => 'Prometheus to scrape both targets up',
    );
  });

  afterAll(async () => {
    await Promise.all(sessions.map((c) => c.end().catch(() => {})));
    await prometheus?.stop();
    await alertmanager?.stop();
    await webhook?.close();
    await collector?.close();
    await exporter?.stop();
    await Promise.all([maria?.destroy(), ob?.destroy()]);
  });

  it('loads every shipped alert rule and evaluates each without error on live data', async () => {
    // Both targets' series are in Prometheus already (beforeAll): evaluations from now on see them.
    const since = Date.now();
    const rules = await until(
      async () => {
        const loaded = await prometheus.rules();
        return loaded.length > 0 && loaded.every((r) => Date.parse(r.lastEvaluation) > since) ? loaded : undefined;
      },
      20_000,
      () => 'every rule to be evaluated on live data',
    );
    expect(rules.map((r) => r.name).sort()).toEqual([...shippedAlerts].sort());
    for (const rule of rules) expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({ rule: rule.name, health: 'ok', error: '' });
  });

  it('has data for every alert expression without its threshold, so each rule compares something', async () => {
    // "Evaluated without error" also holds for a rule whose label matching yields nothing.
    const queries = shippedRuleList.map((rule) => {
      const unthresholded = withoutThreshold(rule.expr);
      const exempt = NO_DATA_HERE[rule.alert] !== undefined;
      return { alert: rule.alert, withData: exempt ? unthresholded.firstOperand : unthresholded.expr, withoutData: exempt ? unthresholded.expr : null };
    });
    let empty: string[] = [];
    await until(
      async () => {
        const results = await Promise.all(queries.map((q) => prometheus.query(q.withData)));
        empty = queries.filter((_, i) => results[i]!.result.length === 0).map((q) => `  ${q.alert}: ${q.withData}`);
        return empty.length === 0 ? true : undefined;
      },
      30_000,
      () => `data for every alert expression; still empty:\n${empty.join('\n')}`,
    );
    for (const q of queries.filter((q) => q.withoutData !== null)) {
      expect((await prometheus.query(q.withoutData!)).result, `${q.alert} has data now: take it off NO_DATA_HERE`).toEqual([]);
    }
  });

  it("fills the dashboard's target and tenant drop-downs", async () => {
    const options = Object.fromEntries(
      await Promise.all(variableQueries(DASHBOARD_FILE).map(async (v) => [v.name, (await prometheus.labelValues(v.label, v.match)).sort()])),
    );
    // ob's META tenants are left out; the MySQL target's one tenant is named in its config.
    expect(options).toEqual({ target: ['maria', 'ob'], tenant: ['idle', 'main', 'sys', 't1', 't2'] });
  });

  it('answers every dashboard panel query with data', async () => {
    const queries = dashboardQueries(DASHBOARD_FILE);
    expect(queries.length).toBeGreaterThan(20);
    const run = (q: PanelQuery) => (q.instant ? prometheus.query(q.expr) : prometheus.queryRange(q.expr, 60, 15));
    let empty: PanelQuery[] = [];
    await until(
      async () => {
        const results = await Promise.all(queries.map(run));
        empty = queries.filter((_, i) => results[i]!.result.length === 0);
        return empty.length === 0 ? true : undefined;
      },
      30_000,
      () => `data for every panel; still empty:\n${empty.map((q) => `  ${q.panel} [${q.refId}]: ${q.expr}`).join('\n')}`,
    );
    // The OTLP failures panel has data even at zero: make sure it counted the collector's refusals.
    await until(
      async () => ((await prometheus.query('dbsession_otlp_export_failures_total > 0')).result.length > 0 ? true : undefined),
      20_000,
      () => `failed OTLP exports in Prometheus; exporter log:\n${exporter.logs().slice(-2000)}`,
    );
  });

  it('notifies the webhook when a statement runs too long, and again when it ends', async () => {
    const isLongSession = (a: NotifiedAlert) => a.labels.alertname === LONG_SESSION && a.labels.target === 'maria';
    expect((await prometheus.query(`ALERTS{alertname="${LONG_SESSION}", target="maria"}`)).result).toEqual([]);
    expect(webhook.notifications.flatMap((n) => n.alerts).filter(isLongSession)).toEqual([]);

    const sleeper = await maria.connect({ user: 'bob', database: 'crm' });
    sessions.push(sleeper);
    const sleeping = sleeper.query('SELECT SLEEP(60)');

    const firing = await webhook.waitForAlert((a) => isLongSession(a) && a.status === 'firing', 30_000);
    expect(firing.labels).toMatchObject({ tenant: 'main', severity: 'warning', job: JOB });
    expect(firing.annotations.summary).toMatch(/^A session in tenant main on maria has been active for /);
    expect(firing.annotations.runbook_url).toMatch(/docs\/operations\.md#dbsessionlongrunningsession$/);

    const admin = await maria.connect();
    await admin.query(`KILL QUERY ${sleeper.threadId}`);
    await admin.end();
    await expect(sleeping).rejects.toThrow(/interrupted/);

    const resolved = await webhook.waitForAlert((a) => isLongSession(a) && a.status === 'resolved', 30_000);
    expect(resolved.startsAt).toBe(firing.startsAt);
    expect(Date.parse(resolved.endsAt)).toBeGreaterThan(Date.parse(resolved.startsAt));
  });
});
