/**
 * Index of the bucket holding `value` for ascending upper edges: bucket i holds (bounds[i−1], bounds[i]],
 * so this is the first i with bounds[i] ≥ value (binary search, O(log n)). Values at or below the first
 * edge go to bucket 0; values above the last edge give bounds.length (no bucket — the caller decides;
 * with a final Infinity edge this cannot happen).
 *
 * @example
 * bucketIndex(new Float64Array([1, 10, 100, Infinity]), 10); // 1
 */
export function bucketIndex(bounds: ArrayLike<number>, value: number): number {
  if (Number.isNaN(value)) throw new RangeError('bucketIndex: value is NaN');
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bounds[mid] >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
