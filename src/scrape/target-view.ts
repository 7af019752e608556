import type { TargetSnapshot } from '../snapshot/snapshot.js';
import type { ScrapeStatus } from './target-scraper.js';
import type { SessionSource } from '../sources/source.js';

/** One target as the adapters see it: how scraping goes, and the data fit to serve (or null). */
export interface TargetView {
  readonly name: string;
  readonly status: ScrapeStatus;
  /** Null when the target is down or its data is stale. */
  readonly snapshot: TargetSnapshot | null;
  /** The last snapshot ever taken, stale or not, for the data-age metric. */
  readonly lastSnapshotAt: number;
}

/** Read access to every target's current state; what HTTP and metric adapters depend on. */
export interface SnapshotStore {
  targets(): readonly TargetView[];
  target(name: string): TargetView | undefined;
  /** SQL text lookups for the obshell detail API, through the target's own small pool. */
  sourceOf(name: string): Pick<SessionSource, 'readInfo'> | undefined;
}
