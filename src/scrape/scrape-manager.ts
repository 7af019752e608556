import { isDeepStrictEqual } from 'node:util';
import type { Config, TargetConfig } from '../config/schema.js';
import type { Logger } from '../logging/logger.js';
import { createTargetSource } from '../sources/target-source.js';
import type { SessionSource } from '../sources/source.js';
import type { Enrichment } from '../snapshot/enrichment.js';
import { TargetScraper, type SnapshotListener } from './target-scraper.js';
import type { SnapshotStore, TargetView } from './target-view.js';
import type { FoldingLimits } from '../views/session-series.js';

export interface ScrapeManagerOptions {
  readonly log: Logger;
  readonly enrichment: () => Enrichment;
  readonly onSnapshot: SnapshotListener;
  /** Builds a target's source; tests and benchmarks may point it elsewhere. */
  readonly createSource?: (target: TargetConfig, timeoutMs: number) => SessionSource;
}

interface Entry {
  readonly config: TargetConfig;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly scraper: TargetScraper;
  lastSnapshotAt: number;
}

/** Owns one scraper per configured target and follows config reloads. */
export class ScrapeManager implements SnapshotStore {
  private readonly entries = new Map<string, Entry>();
  private limits: FoldingLimits | null = null;

  constructor(private readonly options: ScrapeManagerOptions) {}

  /**
   * Starts, keeps or replaces scrapers so that they match `config`. A target whose settings did
   * not change keeps its scraper, its session identities and its counters.
   */
  async apply(config: Config): Promise<void> {
    this.limits = config.labels;
    const wanted = new Map(config.targets.map((t) => [t.name, t]));
    const stopping: Promise<void>[] = [];
    for (const [name, entry] of this.entries) {
      const next = wanted.get(name);
      const unchanged =
        next !== undefined &&
        isDeepStrictEqual(next, entry.config) &&
        entry.intervalMs === config.scrape_interval &&
        entry.timeoutMs === config.scrape_timeout;
      if (unchanged) continue;
      this.entries.delete(name);
      stopping.push(entry.scraper.stop());
    }
    await Promise.all(stopping);
    for (const target of config.targets) {
      if (!this.entries.has(target.name)) this.startTarget(target, config);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.scraper.stop()));
    this.entries.clear();
  }

  names(): ReadonlySet<string> {
    return new Set(this.entries.keys());
  }

  /** Every target has been attempted at least once (clarification 2: what /-/ready means). */
  ready(): boolean {
    return [...this.entries.values()].every((e) => e.scraper.scrapeStatus().attempted);
  }

  targets(): readonly TargetView[] {
    return [...this.entries.values()].map((entry) => this.view(entry));
  }

  target(name: string): TargetView | undefined {
    const entry = this.entries.get(name);
    return entry ? this.view(entry) : undefined;
  }

  sourceOf(name: string): SessionSource | undefined {
    return this.entries.get(name)?.scraper.source();
  }

  /** Scrapes every target once now and waits: for tests and benchmarks. */
  async scrapeAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.scraper.scrapeNow()));
  }

  private view(entry: Entry): TargetView {
    return {
      name: entry.config.name,
      status: entry.scraper.scrapeStatus(),
      snapshot: entry.scraper.current(),
      lastSnapshotAt: entry.lastSnapshotAt,
    };
  }

  private startTarget(target: TargetConfig, config: Config): void {
    const createSource = this.options.createSource ?? createTargetSource;
    const entry: Entry = {
      config: target,
      intervalMs: config.scrape_interval,
      timeoutMs: config.scrape_timeout,
      lastSnapshotAt: 0,
      scraper: new TargetScraper({
        target: target.name,
        source: createSource(target, config.scrape_timeout),
        intervalMs: config.scrape_interval,
        enrichment: this.options.enrichment,
        limits: () => this.limits ?? config.labels,
        log: this.options.log,
        onSnapshot: (snapshot) => {
          entry.lastSnapshotAt = snapshot.takenAt;
          this.options.onSnapshot(snapshot);
        },
      }),
    };
    this.entries.set(target.name, entry);
    entry.scraper.start();
  }
}
