/**
 * Session counts along a path of label values (db -> user -> state, say), each level counting
 * the sessions below it. Counting a session whose path exists allocates nothing and hashes no
 * new string, which is what lets one pass over 100k sessions feed every gauge.
 */
export class CountTree {
  count = 0;
  private children: Map<string, CountTree> | null = null;

  /** Counts `sessions` more (one by default) under `value` and returns that branch, to count deeper. */
  add(value: string, sessions = 1): CountTree {
    this.children ??= new Map();
    let child = this.children.get(value);
    if (!child) {
      child = new CountTree();
      this.children.set(value, child);
    }
    child.count += sessions;
    return child;
  }

  /** Sessions per value one level down, in order of first appearance. */
  counts(): Map<string, number> {
    return new Map([...(this.children ?? [])].map(([value, child]) => [value, child.count]));
  }

  /** Sums the counts of the paths `depth` levels down by a key made from each path. */
  sumBy(depth: number, key: (path: readonly string[]) => string): Map<string, number> {
    const sums = new Map<string, number>();
    this.forEachPath(depth, (path, count) => {
      const k = key(path);
      sums.set(k, (sums.get(k) ?? 0) + count);
    });
    return sums;
  }

  /** Visits every path `depth` levels down with its count, in order of first appearance; `path` is reused. */
  forEachPath(depth: number, visit: (path: readonly string[], count: number) => void): void {
    this.visitPaths(depth, [], visit);
  }

  private visitPaths(depth: number, path: string[], visit: (path: readonly string[], count: number) => void): void {
    if (depth === 0) return visit(path, this.count);
    for (const [value, child] of this.children ?? []) {
      path.push(value);
      child.visitPaths(depth - 1, path, visit);
      path.pop();
    }
  }
}
