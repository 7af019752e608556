import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONTRACT_METRICS, metricNamesIn } from '../helm/metrics-contract.js';
import { runPromtool } from './promtool.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const RULES_FILE = 'helm/db-session-exporter/files/alerts.yml';
const DOCS_FILE = 'docs/operations.md';
const RUNBOOK_BASE = 'https://github.com/db-session-exporter/db-session-exporter/blob/main/docs/operations.md#';
const TEST_FILES = readdirSync(new URL('.', import.meta.url))
  .filter((name) => name.endsWith('.test.yml'))
  .map((name) => `test/alerts/${name}`);

const RuleFile = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.object({
          alert: z.string(),
          expr: z.string(),
          for: z.string(),
          labels: z.record(z.string(), z.string()),
          annotations: z.record(z.string(), z.string()),
        }),
      ),
    }),
  ),
});

const PromtoolTestFile = z.object({
  tests: z.array(
    z.object({
      alert_rule_test: z.array(z.object({ alertname: z.string(), exp_alerts: z.array(z.unknown()).optional() })),
    }),
  ),
});

const rules = RuleFile.parse(parse(readFileSync(`${root}/${RULES_FILE}`, 'utf8'))).groups.flatMap((g) => g.rules);
const docs = readFileSync(`${root}/${DOCS_FILE}`, 'utf8');

/** Heading anchors as GitHub renders them: lower case, punctuation dropped, spaces to dashes. */
function headingAnchors(markdown: string): Set<string> {
  const headings = markdown.matchAll(/^#{1,6}\s+(.+)$/gm);
  return new Set([...headings].map(([, text]) => text!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
}

describe('shipped alert rules', () => {
  it('pass promtool check rules', () => {
    const { status, output } = runPromtool(['check', 'rules', RULES_FILE], root);
    expect(status, output).toBe(0);
  });

  it('pass their promtool unit tests', () => {
    expect(TEST_FILES.length).toBeGreaterThan(0);
    const { status, output } = runPromtool(['test', 'rules', ...TEST_FILES], root);
    expect(status, output).toBe(0);
  });

  it('each have a unit test where they fire and one where they do not', () => {
    const cases = TEST_FILES.flatMap(
      (file) => PromtoolTestFile.parse(parse(readFileSync(`${root}/${file}`, 'utf8'))).tests.flatMap((t) => t.alert_rule_test),
    );
    for (const { alert } of rules) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${alert} has no firing test`).toBe(true);
      expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert} has no not-firing test`).toBe(true);
    }
  });

  it('each carry a severity, a summary, a description and a runbook link to their section of the docs', () => {
    const anchors = headingAnchors(docs);
    for (const { alert, labels, annotations } of rules) {
      expect(['critical', 'warning', 'info'], alert).toContain(labels.severity);
      expect(annotations.summary, alert).toBeTruthy();
      expect(annotations.description, alert).toBeTruthy();
      expect(annotations.runbook_url, alert).toBe(`${RUNBOOK_BASE}${alert.toLowerCase()}`);
      expect(anchors.has(alert.toLowerCase()), `${DOCS_FILE} has no heading "${alert}"`).toBe(true);
    }
  });

  it('are listed in the docs with their for: duration and severity', () => {
    for (const { alert, for: pending, labels } of rules) {
      const row = docs.split('\n').find((line) => line.startsWith(`| [${alert}](#${alert.toLowerCase()}) |`));
      expect(row, `${DOCS_FILE} has no table row for ${alert}`).toBeDefined();
      expect(row, alert).toContain(`| ${pending} |`);
      expect(row, alert).toContain(`| ${labels.severity} |`);
    }
  });

  it('query only metrics of the exporter contract (and Prometheus up for the exporter itself)', () => {
    for (const { alert, expr } of rules) {
      for (const name of metricNamesIn(expr)) {
        expect(CONTRACT_METRICS.has(name) || name === 'up', `${alert} uses ${name}`).toBe(true);
      }
    }
  });

  it('never alert on support="unknown" client versions', () => {
    const versionRules = rules.filter((r) => r.expr.includes('dbsession_client_version_sessions'));
    expect(versionRules.length).toBeGreaterThan(0);
    for (const { alert, expr } of versionRules) expect(expr, alert).toMatch(/support="none"/);
  });
});
