/** The value under `key`, created by `create` and stored on first use: how every tally nests its counts. */
export function entryOf<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** A `create` for entryOf whose values are maps themselves. */
export const newMap = <K, V>(): Map<K, V> => new Map<K, V>();
