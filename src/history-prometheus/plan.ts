import { HISTORY_METRICS } from '../metrics/history-metrics.js';
import { matchers, promTime } from './client.js';
import type { Epoch } from './epochs.js';

/**
 * How a run of counters joins the count, and the sample of the run counting starts from:
 * - covering: the run was up at the window's start; counting starts at its last sample by `from`
 *   (`at`), with every session open then.
 * - switch: another exporter's run, up at the same time, ends at `prior.at`; counting goes on
 *   from this run's last sample by then (`at`), adding sessions this one saw open that the
 *   other did not.
 * - gap: the run began after the previous one ended (a restart, or none before in the window);
 *   counting starts at its first sample, adding the baseline's sessions the previous run did not
 *   have open at its end.
 */
export type Link =
  | { readonly kind: 'covering'; readonly epoch: Epoch; readonly resolve: number }
  | { readonly kind: 'switch'; readonly epoch: Epoch; readonly resolve: number; readonly prior: Point }
  | { readonly kind: 'gap'; readonly epoch: Epoch; readonly prior: Point | null };

/** A sample of a run: its time (ms). */
export interface Point {
  readonly epoch: Epoch;
  readonly at: number;
}

/**
 * One chain of runs covering as much of [from, to] as any exporter did, each instant counted
 * from one run only: replicas that scraped the same target at the same time are not added up.
 * Greedy: start with the run up at `from` that lasted longest (else the first to begin); then,
 * at the end of each run, continue with the overlapping run that lasts longest, else the next
 * run to begin. `resolve`: the time whose sample (the run's last one at or before it) the link
 * starts from; the backend looks it up.
 */
export function chainEpochs(epochs: readonly Epoch[], from: number): Link[] {
  if (epochs.length === 0) return [];
  const covering = epochs.filter((e) => e.first <= from);
  const links: Link[] = [];
  if (covering.length > 0) {
    links.push({ kind: 'covering', epoch: longest(covering), resolve: from });
  } else {
    links.push({ kind: 'gap', epoch: earliest(epochs), prior: null });
  }
  for (;;) {
    const current = links.at(-1)!.epoch;
    const end = current.last;
    const overlapping = epochs.filter((e) => e.first <= end && e.last > end);
    if (overlapping.length > 0) {
      links.push({ kind: 'switch', epoch: longest(overlapping), resolve: end, prior: { epoch: current, at: end } });
      continue;
    }
    const later = epochs.filter((e) => e.first > end);
    if (later.length === 0) return links;
    links.push({ kind: 'gap', epoch: earliest(later), prior: { epoch: current, at: end } });
  }
}

function longest(epochs: readonly Epoch[]): Epoch {
  return epochs.reduce((best, e) => (e.last > best.last ? e : best));
}

function earliest(epochs: readonly Epoch[]): Epoch {
  return epochs.reduce((best, e) => (e.first < best.first || (e.first === best.first && e.last > best.last) ? e : best));
}

/** A link whose starting sample has been looked up: `at` is a sample time of `epoch`. */
export type ResolvedLink =
  | { readonly kind: 'covering'; readonly epoch: Epoch; readonly at: number }
  | { readonly kind: 'switch'; readonly epoch: Epoch; readonly at: number; readonly prior: Point }
  | { readonly kind: 'gap'; readonly epoch: Epoch; readonly prior: Point | null };

/** A query whose per-group results are added to (sign 1) or taken from (sign -1) the counts. */
export interface Term {
  readonly expr: string;
  readonly sign: 1 | -1;
}

export type Dimension = 'client_ip' | 'user';

/** The labels that identify a series of either metric, whichever exporter published it. */
const SESSION_LABELS = 'on(target, tenant, db, user, client_ip)';

/**
 * The PromQL terms of one link; every vector selector is pinned (`@`) to a sample time of its run,
 * so no lookback or extrapolation is involved and every figure is one stored integer. With S the
 * started counter and O the open gauge of the link's run at a sample time:
 *   covering:  S(last) - S(at) + O(at)
 *   switch:    S(last) - S(at) + max(0, O(at) - O_prior(prior.at))        per series
 *   gap:       S(last) + max(0, O(first) - S(first) - O_prior(prior.at))   per series
 * O(first) - S(first) is what is left open of the baseline's sessions: the counter counts the
 * sessions started since. Terms are summed by schema and client address or user.
 */
export function linkTerms(link: ResolvedLink, tenant: string, by: Dimension): Term[] {
  const sum = (expr: string) => `sum by (db, ${by}) (${expr})`;
  const started = (epoch: Epoch, at: number) => `${HISTORY_METRICS.started}${selector(epoch, tenant)} @ ${promTime(at)}`;
  const open = (epoch: Epoch, at: number) => `${HISTORY_METRICS.open}${selector(epoch, tenant)} @ ${promTime(at)}`;
  const { epoch } = link;
  const terms: Term[] = [{ expr: sum(started(epoch, epoch.last)), sign: 1 }];
  switch (link.kind) {
    case 'covering':
      terms.push({ expr: sum(started(epoch, link.at)), sign: -1 }, { expr: sum(open(epoch, link.at)), sign: 1 });
      break;
    case 'switch':
      terms.push(
        { expr: sum(started(epoch, link.at)), sign: -1 },
        { expr: sum(notIn(open(epoch, link.at), open(link.prior.epoch, link.prior.at))), sign: 1 },
      );
      break;
    case 'gap': {
      const baseline = `(${open(epoch, epoch.first)} - ${SESSION_LABELS} ${started(epoch, epoch.first)})`;
      const fresh = link.prior === null ? `clamp_min(${baseline}, 0)` : notIn(baseline, open(link.prior.epoch, link.prior.at));
      terms.push({ expr: sum(fresh), sign: 1 });
      break;
    }
  }
  return terms;
}

/** Per series, max(0, a - b), with b taken as 0 where it has no series. */
function notIn(a: string, b: string): string {
  return `clamp_min((${a} - ${SESSION_LABELS} ${b}) or ${SESSION_LABELS} ${a}, 0)`;
}

/** The run's series for one tenant: the exporter's own labels plus the tenant. */
function selector(epoch: Epoch, tenant: string): string {
  return matchers({ ...epoch.source, tenant });
}
