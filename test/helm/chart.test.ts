import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const chartDir = `${root}/helm/db-session-exporter`;
const read = (path: string): string => readFileSync(path, 'utf8');

/** The JSON Schema keywords values.schema.json may use: exactly the ones checkValues understands. */
interface JsonSchema {
  $schema?: string;
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
}

const JsonSchemaShape: z.ZodType<JsonSchema> = z.lazy(() =>
  z.strictObject({
    $schema: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    type: z.union([z.string(), z.array(z.string())]).optional(),
    properties: z.record(z.string(), JsonSchemaShape).optional(),
    additionalProperties: z.union([z.boolean(), JsonSchemaShape]).optional(),
    required: z.array(z.string()).optional(),
    items: JsonSchemaShape.optional(),
    enum: z.array(z.unknown()).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    minLength: z.number().optional(),
    pattern: z.string().optional(),
  }),
);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

/** A draft-07 checker for the keywords above; returns one message per violation, with its path. */
function checkValues(schema: JsonSchema, value: unknown, path = 'values'): string[] {
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length > 0 && !types.some((t) => hasType(value, t))) return [`${path}: expected ${types.join(' or ')}`];
  const errors: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, i) => errors.push(...checkValues(items, item, `${path}[${i}]`)));
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${path}.${key}: required`);
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key] ?? schema.additionalProperties ?? true;
      if (childSchema === false) errors.push(`${path}.${key}: not allowed`);
      else if (childSchema !== true) errors.push(...checkValues(childSchema, child, `${path}.${key}`));
    }
  }
  return errors;
}

const schema = JsonSchemaShape.parse(JSON.parse(read(`${chartDir}/values.schema.json`)));
const valuesText = read(`${chartDir}/values.yaml`);
const values: unknown = parse(valuesText);
const templateNames = readdirSync(`${chartDir}/templates`);
const templates = new Map(templateNames.map((name) => [name, read(`${chartDir}/templates/${name}`)]));
const allTemplates = [...templates.values()].join('\n');

/** values.yaml with one change, for tests that show the schema refuses bad input. */
function valuesWith(change: (v: Record<string, unknown>) => void): Record<string, unknown> {
  const copy: unknown = parse(valuesText);
  if (!isObject(copy)) throw new Error('values.yaml is not a mapping');
  change(copy);
  return copy;
}

function lookup(tree: unknown, path: readonly string[]): { found: boolean; value: unknown } {
  let node = tree;
  for (const key of path) {
    if (!isObject(node) || !(key in node)) return { found: false, value: undefined };
    node = node[key];
  }
  return { found: true, value: node };
}

/** Helm's `indent`: the padding goes before every line, the first included. */
const helmIndent = (spaces: number, text: string): string => ' '.repeat(spaces) + text.replaceAll('\n', `\n${' '.repeat(spaces)}`);

describe('values.schema.json', () => {
  it('is draft-07 and uses only keywords the checker here understands', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('accepts the shipped values.yaml', () => {
    expect(checkValues(schema, values)).toEqual([]);
  });

  it('refuses mistyped, misspelled and out-of-range values', () => {
    expect(checkValues(schema, valuesWith((v) => (v.persistance = {})))).toEqual(['values.persistance: not allowed']);
    expect(checkValues(schema, valuesWith((v) => (v.persistence = { enabled: 'yes' })))).toEqual([
      'values.persistence.enabled: expected boolean',
    ]);
    expect(checkValues(schema, valuesWith((v) => (v.service = { type: 'ClusterIP', port: 70000 })))).toEqual([
      'values.service.port: above 65535',
    ]);
    expect(checkValues(schema, valuesWith((v) => (v.config = { scrape_interval: '15 seconds', targets: [{ name: 'x' }] })))).toEqual([
      'values.config.scrape_interval: does not match ^([0-9]+(ms|s|m|h|d|w|y))+$',
      'values.config.targets[0].url: required',
    ]);
    expect(checkValues(schema, valuesWith((v) => (v.podSecurityContext = { runAsNonRoot: false })))).toEqual([
      'values.podSecurityContext.runAsNonRoot: not one of [true]',
    ]);
  });
});

describe('chart templates', () => {
  it('reference only values that exist in values.yaml', () => {
    const paths = [...allTemplates.matchAll(/\.Values((?:\.\w+)+)/g)].map(([, path]) => path!.slice(1));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(lookup(values, path.split('.')).found, `.Values.${path}`).toBe(true);
  });

  it('use every top-level value of values.yaml', () => {
    if (!isObject(values)) throw new Error('values.yaml is not a mapping');
    for (const key of Object.keys(values)) expect(allTemplates, `values.${key} is never used`).toContain(`.Values.${key}`);
  });

  it('close every if, range, with and define they open', () => {
    for (const [name, text] of templates) {
      const opened = text.match(/\{\{-?\s*(?:if|range|with|define|block)\b/g)?.length ?? 0;
      const closed = text.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
      expect(closed, name).toBe(opened);
    }
  });

  it('embed only files that exist in the chart', () => {
    const embedded = [...allTemplates.matchAll(/\.Files\.Get "([^"]+)"/g)].map(([, file]) => file!);
    expect(embedded.sort()).toEqual(['files/alerts.yml', 'files/dashboard.json']);
    for (const file of embedded) expect(existsSync(`${chartDir}/${file}`), file).toBe(true);
  });

  it('run one non-root pod with a read-only root, Recreate strategy and the health endpoints as probes', () => {
    const deployment = templates.get('deployment.yaml') ?? '';
    expect(deployment).toMatch(/replicas: 1\n/);
    expect(deployment).toMatch(/strategy:\n\s+type: Recreate/);
    expect(deployment).toContain('containerPort: 9797');
    expect(deployment).toMatch(/- name: tmp\n\s+mountPath: \/tmp/);
    expect(lookup(values, ['livenessProbe', 'httpGet', 'path']).value).toBe('/-/healthy');
    expect(lookup(values, ['readinessProbe', 'httpGet', 'path']).value).toBe('/-/ready');
    expect(lookup(values, ['podSecurityContext', 'runAsNonRoot']).value).toBe(true);
    expect(lookup(values, ['securityContext', 'readOnlyRootFilesystem']).value).toBe(true);
    expect(lookup(values, ['service', 'port']).value).toBe(9797);
  });

  it('keep the history store on a ReadWriteOnce claim, or an emptyDir, at config.history.path', () => {
    expect(templates.get('pvc.yaml')).toMatch(/accessModes:\n\s+- ReadWriteOnce/);
    expect(templates.get('deployment.yaml')).toMatch(/persistentVolumeClaim:[\s\S]+\{\{- else \}\}\n\s+emptyDir: \{\}/);
    expect(templates.get('deployment.yaml')).toContain('mountPath: {{ include "db-session-exporter.historyPath" . }}');
    expect(lookup(values, ['config', 'history', 'path']).value).toBe('/var/lib/db-session-exporter');
    expect(templates.get('_helpers.tpl')).toContain('dig "history" "path" "/var/lib/db-session-exporter" .Values.config');
  });

  it('label the dashboard ConfigMap for the Grafana sidecar by default', () => {
    expect(lookup(values, ['dashboard', 'labels']).value).toEqual({ grafana_dashboard: '1' });
  });
});

/**
 * The YAML under `key:` in a template, where it is literal: template actions alone on a line are
 * left out, and a value that is still templated fails the parse (no helm binary renders it here).
 */
function literalBlock(template: string, key: string): unknown {
  const lines = template.split('\n');
  const start = lines.findIndex((line) => line.trim() === `${key}:`);
  if (start < 0) throw new Error(`no "${key}:" line`);
  const indent = (line: string) => line.length - line.trimStart().length;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && indent(line) <= indent(lines[start]!)) break;
    if (!/^\s*\{\{-?.*-?\}\}\s*$/.test(line)) body.push(line);
  }
  const text = body.join('\n');
  if (text.includes('{{')) throw new Error(`"${key}:" holds templated values:\n${text}`);
  return parse(text);
}

describe('ServiceMonitor', () => {
  const template = templates.get('servicemonitor.yaml') ?? '';
  const exporterDown = z
    .object({ groups: z.array(z.object({ rules: z.array(z.object({ alert: z.string(), expr: z.string() })) })) })
    .parse(parse(read(`${chartDir}/files/alerts.yml`)))
    .groups.flatMap((g) => g.rules)
    .find((r) => r.alert === 'DbSessionExporterDown');
  const jobPattern = /\bjob=~"([^"]+)"/.exec(exporterDown?.expr ?? '')?.[1] ?? '';
  /** Prometheus regex matchers are anchored at both ends. */
  const alertMatchesJob = (job: string) => new RegExp(`^(?:${jobPattern})$`).test(job);

  it('sets the job label to a constant that DbSessionExporterDown matches, whatever the release is called', () => {
    const relabelings = z.array(z.record(z.string(), z.string())).parse(literalBlock(template, 'relabelings'));
    expect(relabelings).toEqual([{ action: 'replace', targetLabel: 'job', replacement: 'db-session-exporter' }]);
    expect(alertMatchesJob(relabelings[0]!.replacement!)).toBe(true);
    // Without it the job is the Service's name: with fullnameOverride: sessions the alert would never fire.
    expect(alertMatchesJob('sessions')).toBe(false);
  });

  it("appends serviceMonitor.endpoint's own relabelings after the job one and passes its other fields once", () => {
    expect(template).toMatch(/replacement: db-session-exporter\n\s+\{\{- with dig "relabelings" \(list\) \.Values\.serviceMonitor\.endpoint \}\}\n\s+\{\{- toYaml \. \| nindent 8 \}\}/);
    expect(template).toContain('{{- with omit .Values.serviceMonitor.endpoint "relabelings" }}');
    expect(template.match(/\.Values\.serviceMonitor\.endpoint\b/g)).toHaveLength(2);
  });
});

describe('Chart.yaml', () => {
  it('names the chart after its folder and ships the package version as appVersion', () => {
    const chart = z
      .object({ apiVersion: z.literal('v2'), name: z.string(), version: z.string(), appVersion: z.string() })
      .parse(parse(read(`${chartDir}/Chart.yaml`)));
    const pkg = z.object({ version: z.string() }).parse(JSON.parse(read(`${root}/package.json`)));
    expect(chart.name).toBe('db-session-exporter');
    expect(semver.valid(chart.version), chart.version).not.toBeNull();
    expect(chart.appVersion).toBe(pkg.version);
  });
});

describe('files the chart embeds', () => {
  it('the dashboard is byte for byte grafana/db-session-exporter.json', () => {
    expect(readFileSync(`${chartDir}/files/dashboard.json`).equals(readFileSync(`${root}/grafana/db-session-exporter.json`))).toBe(true);
  });

  it('the alert rules are the file the promtool tests load', () => {
    const testFiles = readdirSync(`${root}/test/alerts`).filter((name) => name.endsWith('.test.yml'));
    expect(testFiles.length).toBeGreaterThan(0);
    for (const name of testFiles) {
      const { rule_files } = z.object({ rule_files: z.array(z.string()) }).parse(parse(read(`${root}/test/alerts/${name}`)));
      expect(rule_files, name).toEqual(['../../helm/db-session-exporter/files/alerts.yml']);
    }
  });

  it('the rules become the PrometheusRule spec unchanged when indented under spec:', () => {
    const template = templates.get('prometheusrule.yaml') ?? '';
    expect(template).toContain('spec:\n  # files/alerts.yml verbatim: the same bytes promtool tests in test/alerts/.\n{{ .Files.Get "files/alerts.yml" | indent 2 }}');
    const rules = read(`${chartDir}/files/alerts.yml`);
    const rendered: unknown = parse(`spec:\n${helmIndent(2, rules)}`);
    expect(lookup(rendered, ['spec']).value).toEqual(parse(rules));
  });

  it('the dashboard JSON survives the ConfigMap block scalar unchanged', () => {
    const template = templates.get('dashboard-configmap.yaml') ?? '';
    expect(template).toContain('  db-session-exporter.json: |-\n{{ .Files.Get "files/dashboard.json" | indent 4 }}');
    const dashboard = read(`${chartDir}/files/dashboard.json`);
    const rendered: unknown = parse(`data:\n  db-session-exporter.json: |-\n${helmIndent(4, dashboard)}`);
    expect(lookup(rendered, ['data', 'db-session-exporter.json']).value).toBe(dashboard.trimEnd());
  });
});
