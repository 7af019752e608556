import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runPromtool } from '../alerts/promtool.js';
import { CONTRACT_METRICS, metricNamesIn } from '../helm/metrics-contract.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const DASHBOARD_FILE = 'grafana/db-session-exporter.json';
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const Target = z.object({ refId: z.string(), expr: z.string().min(1), datasource: z.unknown() });
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: unknown;
  targets?: z.infer<typeof Target>[];
  options?: Record<string, unknown>;
  panels?: Panel[];
}
const PanelShape: z.ZodType<Panel> = z.lazy(() =>
  z.object({
    id: z.number().int(),
    type: z.string(),
    title: z.string().min(1),
    gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
    datasource: z.unknown().optional(),
    targets: z.array(Target).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    panels: z.array(PanelShape).optional(),
  }),
);
const Variable = z.object({
  name: z.string(),
  type: z.string(),
  query: z.unknown(),
  datasource: z.unknown().optional(),
  multi: z.boolean().optional(),
  includeAll: z.boolean().optional(),
});
/**
 * Schema 41, Grafana's latest when last checked. Grafana migrates anything older on load; the
 * two steps after 39 are: 40 makes `refresh` a string, 41 drops `timepicker.time_options`. The
 * shape below holds the dashboard to what those migrations would produce.
 */
const Dashboard = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(41),
  refresh: z.string(),
  timepicker: z.record(z.string(), z.unknown()).refine((picker) => !('time_options' in picker), 'time_options is gone since schema 41'),
  templating: z.object({ list: z.array(Variable) }),
  panels: z.array(PanelShape),
});

const text = readFileSync(`${root}/${DASHBOARD_FILE}`, 'utf8');
const json: unknown = JSON.parse(text);
const dashboard = Dashboard.parse(json);
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = panels.filter((p) => p.type !== 'row');
const targets = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);

/** Every value of `key` anywhere in the JSON tree, with where it was found. */
function valuesOf(tree: unknown, key: string, path = '$'): { path: string; value: unknown }[] {
  if (Array.isArray(tree)) return tree.flatMap((item, i) => valuesOf(item, key, `${path}[${i}]`));
  if (typeof tree !== 'object' || tree === null) return [];
  return Object.entries(tree).flatMap(([k, v]) => [
    ...(k === key ? [{ path: `${path}.${k}`, value: v }] : []),
    ...valuesOf(v, key, `${path}.${k}`),
  ]);
}

/** Each contract metric selector in an expression, with its label matchers ("" when it has none). */
function selectors(expr: string): { metric: string; matchers: string }[] {
  return [...expr.matchAll(/\b(dbsession_\w+)(\{[^}]*\})?/g)].map(([, metric, matchers]) => ({ metric: metric!, matchers: matchers ?? '' }));
}

describe('Grafana dashboard', () => {
  it('takes its Prometheus data source from a variable and hard-codes no data source UID', () => {
    expect(variable('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const refs = valuesOf(json, 'datasource').filter(({ path }) => path !== '$.templating.list[0].datasource');
    expect(refs.length).toBeGreaterThan(0);
    for (const { path, value } of refs) expect(value, path).toEqual(DATASOURCE);
    const uids = valuesOf(json, 'uid').filter(({ path }) => path !== '$.uid');
    for (const { path, value } of uids) expect(value, path).toBe('${datasource}');
  });

  it('has target and tenant variables from label_values, multi-select with All', () => {
    for (const name of ['target', 'tenant']) {
      const v = variable(name);
      expect(v, name).toMatchObject({ type: 'query', multi: true, includeAll: true, datasource: DATASOURCE });
      expect(JSON.stringify(v?.query), name).toMatch(new RegExp(`label_values\\(dbsession_\\w+(\\{[^}]*\\})?, ${name}\\)`));
    }
  });

  it('has unique panel ids, query panels with a data source and queries, and a layout 24 columns wide', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual(DATASOURCE);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets?.map((t) => t.refId)).size, p.title).toBe(p.targets?.length);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    }
  });

  it('queries only metrics of the exporter contract', () => {
    for (const { panel, expr } of targets) {
      const names = metricNamesIn(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(CONTRACT_METRICS.has(name), `${panel} uses ${name}`).toBe(true);
    }
  });

  it('filters every selector by the target and tenant variables where the metric has those labels', () => {
    for (const { panel, expr } of targets) {
      for (const { metric, matchers } of selectors(expr)) {
        const labels = CONTRACT_METRICS.get(metric) ?? [];
        if (labels.includes('target')) expect(matchers, `${panel}: ${metric}`).toContain('target=~"$target"');
        if (labels.includes('tenant')) expect(matchers, `${panel}: ${metric}`).toContain('tenant=~"$tenant"');
      }
    }
  });

  it('covers sessions, top databases, users and clients, countries, client versions and exporter health', () => {
    const used = new Set(targets.flatMap(({ expr }) => metricNamesIn(expr)));
    for (const metric of [
      'dbsession_tenant_sessions',
      'dbsession_max_active_time_seconds',
      'dbsession_sessions',
      'dbsession_client_sessions',
      'dbsession_country_sessions',
      'dbsession_client_version_sessions',
      'dbsession_up',
      'dbsession_scrape_duration_seconds',
      'dbsession_data_age_seconds',
      'dbsession_scrape_errors_total',
    ]) {
      expect(used, metric).toContain(metric);
    }
    for (const label of ['db', 'user', 'client_ip']) {
      expect(targets.some(({ expr }) => expr.startsWith('topk(') && new RegExp(`by \\(${label}\\b`).test(expr)), `top ${label}`).toBe(true);
    }
  });

  it('maps sessions by country code with a geomap lookup layer', () => {
    const geomap = queryPanels.find((p) => p.type === 'geomap');
    expect(geomap?.targets?.[0]?.expr).toMatch(/sum by \(country\) \(dbsession_country_sessions\{/);
    expect(geomap?.options?.layers).toEqual([
      expect.objectContaining({ type: 'markers', location: expect.objectContaining({ mode: 'lookup', lookup: 'country' }) }),
    ]);
  });

  it('has queries promtool parses as PromQL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-promql-'));
    try {
      const rules = targets.map(({ expr }, i) => ({
        record: `dashboard_query_${i}`,
        // Grafana fills these in before the query reaches Prometheus.
        expr: expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h'),
      }));
      writeFileSync(join(dir, 'queries.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
      const { status, output } = runPromtool(['check', 'rules', 'queries.yml'], dir);
      expect(status, output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the same bytes as the copy the Helm chart ships', () => {
    expect(readFileSync(`${root}/helm/db-session-exporter/files/dashboard.json`, 'utf8')).toBe(text);
  });
});
