/**
 * Index of the bucket holding `value` for ascending upper edges: bucket i holds (bounds[i−1], bounds[i]],
 * so this is the first i with bounds[i] ≥ value (binary search, O(log n)). Values at or below the first
 * edge go to bucket 0; values above the last edge give bounds.length (no bucket — the caller decides;
 * with a final Infinity edge this cannot happen).
 *
 * `hint`, when given, is an estimate of the index (e.g. from the logarithm of the value on the grid of
 * logBucketBounds): the search walks from there instead, O(1 + |hint − index|), which makes a per-point
 * lookup on a fine grid cost a logarithm and a comparison or two rather than ~log2(n) unpredictable
 * branches. The result never depends on the hint.
 *
 * @example
 * bucketIndex(new Float64Array([1, 10, 100, Infinity]), 10); // 1
 */
export function bucketIndex(bounds: ArrayLike<number>, value: number, hint?: number): number {
  if (Number.isNaN(value)) throw new RangeError('bucketIndex: value is NaN');
  if (hint !== undefined) return walkFrom(bounds, value, hint);
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function walkFrom(bounds: ArrayLike<number>, value: number, hint: number): number {
  const n = bounds.length;
  // `!(hint > 0)` also catches a NaN hint (the log of a value at or below zero).
  let i = !(hint > 0) ? 0 : hint > n ? n : Math.floor(hint);
  while (i > 0 && bounds[i - 1] >= value) i--;
  while (i < n && bounds[i] < value) i++;
  return i;
}
