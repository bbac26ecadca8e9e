/**
 * Validates a histogram (ascending upper edges above `lowerBound`, finite non-negative counts of the
 * same length, at least one observation) and returns its total count.
 *
 * @example
 * assertHistogram([1, 2, Infinity], [3, 0, 1], 0); // 4
 */
export function assertHistogram(upperBounds: ArrayLike<number>, counts: ArrayLike<number>, lowerBound: number): number {
  if (upperBounds.length === 0) throw new RangeError('histogram has no buckets (upperBounds is empty)');
  if (upperBounds.length !== counts.length) {
    throw new RangeError(`upperBounds and counts must have the same length (${upperBounds.length} vs ${counts.length})`);
  }
  if (Number.isNaN(lowerBound)) throw new RangeError('lowerBound is NaN');
  let total = 0;
  for (let i = 0; i < upperBounds.length; i++) {
    const u = upperBounds[i];
    const prev = i === 0 ? lowerBound : upperBounds[i - 1];
    if (Number.isNaN(u) || !(u > prev)) throw new RangeError(`upperBounds[${i}] = ${u} must be greater than the previous edge ${prev}`);
    const c = counts[i];
    if (!Number.isFinite(c) || c < 0) throw new RangeError(`counts[${i}] must be a finite count >= 0 (got ${c})`);
    total += c;
  }
  if (total === 0) throw new RangeError('histogram holds no observations (all counts are 0)');
  return total;
}
