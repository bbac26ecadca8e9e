import { assertHistogram } from './assert-histogram.ts';

/**
 * q-quantile of a histogram the way Prometheus' `histogram_quantile` computes it: rank = q·total, find
 * the first bucket whose cumulative count reaches the rank, and interpolate linearly between that
 * bucket's lower and upper edge. Buckets hold (upperBounds[i−1], upperBounds[i]] with non-cumulative
 * counts; the first bucket starts at `lowerBound` (default 0). When the rank falls into an open last
 * bucket (upper edge Infinity) the estimate is clamped to that bucket's LOWER edge (the largest finite
 * edge), as Prometheus does — a lower bound for the true quantile, not an estimate of it.
 * Reference: Prometheus `promql/quantile.go` (bucketQuantile).
 *
 * @example
 * histogramQuantile([10, 20, 40, Infinity], [5, 10, 4, 1], 0.5); // 15
 */
export function histogramQuantile(
  upperBounds: ArrayLike<number>,
  counts: ArrayLike<number>,
  q: number,
  lowerBound: number = 0,
): number {
  const total = assertHistogram(upperBounds, counts, lowerBound);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`histogramQuantile: q must be in [0, 1] (got ${q})`);
  return rankToValue(upperBounds, counts, q * total, lowerBound).value;
}

/**
 * The value at a (1-based, possibly fractional) rank of a histogram, interpolated inside its bucket
 * (Prometheus' rule), plus the bucket's edges. Shared by the quantile estimate and its interval.
 *
 * @example
 * rankToValue([10, 20], [5, 5], 7.5, 0); // { value: 15, bucket: 1, lo: 10, hi: 20 }
 */
export function rankToValue(
  upperBounds: ArrayLike<number>,
  counts: ArrayLike<number>,
  rank: number,
  lowerBound: number,
): { value: number; bucket: number; lo: number; hi: number } {
  const nb = upperBounds.length;
  let cum = 0;
  let b = 0;
  // First bucket (other than a trailing open one) whose cumulative count reaches the rank.
  for (; b < nb; b++) {
    if (cum + counts[b] >= rank && counts[b] > 0) break;
    cum += counts[b];
  }
  if (b >= nb) b = nb - 1;
  const lo = b === 0 ? lowerBound : upperBounds[b - 1];
  const hi = upperBounds[b];
  if (hi === Infinity) return { value: lo, bucket: b, lo, hi };
  const count = counts[b];
  const frac = count > 0 ? Math.min(1, Math.max(0, (rank - cum) / count)) : 1;
  return { value: lo + (hi - lo) * frac, bucket: b, lo, hi };
}
