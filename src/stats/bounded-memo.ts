/**
 * Get-or-compute in a Map that stays bounded: when it is full it is cleared. The callers (Student-t quantiles,
 * interval ranks, shared report texts) ask for the same few keys again and again, so an LRU would buy nothing,
 * and clearing keeps the bound whatever they ask. Only for values that depend on the key alone.
 */
export function memoIn<K, V>(map: Map<K, V>, key: K, limit: number, compute: (key: K) => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = compute(key);
    if (map.size >= limit) map.clear();
    map.set(key, value);
  }
  return value;
}
