/**
 * The metrics db-session-exporter serves, with their labels (issue 7's contract). The alert rules
 * and the dashboard the chart ships may query only these, so a renamed metric breaks a test here
 * instead of an empty panel or a silent alert in production.
 */
export const CONTRACT_METRICS: ReadonlyMap<string, readonly string[]> = new Map([
  ['dbsession_sessions', ['target', 'tenant', 'db', 'user', 'state']],
  ['dbsession_tenant_sessions', ['target', 'tenant', 'state']],
  ['dbsession_client_sessions', ['target', 'tenant', 'client_ip', 'country']],
  ['dbsession_max_active_time_seconds', ['target', 'tenant']],
  ['dbsession_sessions_started_total', ['target', 'tenant', 'db', 'user', 'client_ip']],
  ['dbsession_connection_limit', ['target', 'tenant']],
  ['dbsession_observer_sessions', ['target', 'svr_ip']],
  ['dbsession_country_sessions', ['target', 'tenant', 'country', 'continent']],
  ['dbsession_client_version_sessions', ['target', 'tenant', 'client', 'version', 'support']],
  ['dbsession_up', ['target']],
  ['dbsession_scrape_duration_seconds', ['target']],
  ['dbsession_last_scrape_timestamp_seconds', ['target']],
  ['dbsession_data_age_seconds', ['target']],
  ['dbsession_scrape_errors_total', ['target']],
  ['dbsession_scrape_timeouts_total', ['target']],
  ['dbsession_process_privilege', ['target']],
  ['dbsession_exporter_build_info', ['version', 'node_version']],
  ['dbsession_config_last_reload_successful', []],
  ['dbsession_otlp_export_failures_total', []],
]);

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * Metric names a PromQL expression selects. Enough of a tokenizer for hand-written rules and
 * panels: it blanks out strings, label matchers, ranges, grouping clauses and Grafana variables,
 * then keeps identifiers that are not function calls or keywords.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+(?::\w+)?\}?/g, ' ');
  const names = new Set<string>();
  for (const token of bare.matchAll(/[A-Za-z_:][\w:]*|\d[\w.]*/g)) {
    const [word] = token;
    const next = bare.slice(token.index + word.length).trimStart();
    if (/^\d/.test(word) || next.startsWith('(') || PROMQL_KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}
