export const OTHER = 'other';

/**
 * Keeps the `limit` values with the most sessions (ties by name, so the choice is stable
 * between scrapes) and folds the rest into "other", bounding label cardinality.
 */
export function topValues(counts: ReadonlyMap<string, number>, limit: number): (value: string) => string {
  if (counts.size <= limit) return (value) => value;
  const kept = new Set(
    [...counts]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([value]) => value),
  );
  return (value) => (kept.has(value) ? value : OTHER);
}
