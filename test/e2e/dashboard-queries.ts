import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Target = z.object({ refId: z.string(), expr: z.string(), instant: z.boolean().optional() });
interface Panel {
  title: string;
  type: string;
  targets?: z.infer<typeof Target>[];
  panels?: Panel[];
}
const PanelShape: z.ZodType<Panel> = z.lazy(() =>
  z.object({ title: z.string(), type: z.string(), targets: z.array(Target).optional(), panels: z.array(PanelShape).optional() }),
);
const Variable = z.object({ name: z.string(), type: z.string(), definition: z.string().optional() });
const Dashboard = z.object({ panels: z.array(PanelShape), templating: z.object({ list: z.array(Variable) }) });

const readDashboard = (path: string) => Dashboard.parse(JSON.parse(readFileSync(path, 'utf8')));

/** One query of a dashboard panel, with Grafana's variables filled in as Grafana would. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  /** Instant queries (stat, bar gauge, table) versus range queries (time series). */
  readonly instant: boolean;
}

/**
 * What Grafana substitutes before a query reaches Prometheus: "All" of target and tenant (the
 * dashboard's allValue), and the interval variables at their values for a short time range.
 */
export const GRAFANA_VARIABLES: Readonly<Record<string, string>> = {
  $target: '.*',
  $tenant: '.*',
  $__rate_interval: '1m',
  $__interval: '15s',
};

export function dashboardQueries(path: string): PanelQuery[] {
  const dashboard = readDashboard(path);
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: panel.title,
      refId: target.refId,
      expr: substitute(target.expr),
      instant: target.instant === true,
    })),
  );
}

function substitute(expr: string): string {
  // Longest names first, so that $__interval does not eat the start of $__interval_ms.
  const names = Object.keys(GRAFANA_VARIABLES).sort((a, b) => b.length - a.length);
  const filled = names.reduce((text, name) => text.replaceAll(name, GRAFANA_VARIABLES[name]!), expr);
  if (filled.includes('$')) throw new Error(`a dashboard query uses a variable this test does not fill in: ${expr}`);
  return filled;
}

/** A query variable's `label_values(selector, label)`, which Grafana runs as a label values request. */
export interface VariableQuery {
  readonly name: string;
  readonly label: string;
  /** The series selector, variables filled in. */
  readonly match: string;
}

export function variableQueries(path: string): VariableQuery[] {
  return readDashboard(path)
    .templating.list.filter((v) => v.type === 'query')
    .map((v) => {
      const call = /^label_values\((.+),\s*(\w+)\)$/.exec(v.definition ?? '');
      if (!call) throw new Error(`variable ${v.name}: "${v.definition}" is not label_values(selector, label)`);
      return { name: v.name, match: substitute(call[1]!), label: call[2]! };
    });
}
