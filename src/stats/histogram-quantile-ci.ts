import { assertHistogram } from './assert-histogram.ts';
import { rankToValue } from './histogram-quantile.ts';
import { orderStatisticRanks } from './order-statistic-ranks.ts';
import { DEFAULT_CONFIDENCE } from './quantile-ci.ts';

export interface HistogramQuantileCI {
  /** Prometheus-style interpolated q-quantile (see {@link histogramQuantile}). */
  estimate: number;
  /** Value at the lower order statistic's rank; −Infinity when the sample cannot bound it. */
  lower: number;
  /** Value at the upper order statistic's rank; +Infinity when it cannot (or it falls in an open bucket). */
  upper: number;
  /** Relative width (hi − lo)/hi of the bucket holding the estimate; Infinity for an open bucket. */
  resolution: number;
}

/**
 * q-quantile of a histogram with a distribution-free confidence interval: the same Binomial(n, q)
 * order-statistic ranks as {@link quantileCI} (SciPy's quantile_test), each mapped into its bucket and
 * interpolated linearly inside it, as Prometheus' histogram_quantile does. Bucket interpolation
 * assumes values spread evenly inside a bucket, so the interval is only as good as the bucket
 * resolution (reported as `resolution`); an upper rank in the open last bucket gives +Infinity and an
 * estimate there is clamped to the bucket's lower edge. Counts must be integers for the binomial ranks.
 * References: Conover (1999) §3.2; Prometheus promql/quantile.go.
 *
 * @example
 * histogramQuantileCI([10, 20, 40, Infinity], [50, 100, 40, 10], 0.5);
 * // { estimate: 15, lower: 13.6, upper: 16.5, resolution: 0.5 }
 */
export function histogramQuantileCI(
  upperBounds: ArrayLike<number>,
  counts: ArrayLike<number>,
  q: number,
  confidence: number = DEFAULT_CONFIDENCE,
  lowerBound: number = 0,
): HistogramQuantileCI {
  const total = assertHistogram(upperBounds, counts, lowerBound);
  if (!Number.isInteger(total)) throw new RangeError(`histogram counts must be whole numbers (total ${total})`);
  const { lowerIndex, upperIndex } = orderStatisticRanks(total, q, confidence);
  const est = rankToValue(upperBounds, counts, q * total, lowerBound);
  // Index i (0-based) is the (i+1)-th smallest observation: rank i + 1.
  const lower = lowerIndex >= 0 ? rankToValue(upperBounds, counts, lowerIndex + 1, lowerBound).value : -Infinity;
  let upper = Infinity;
  if (upperIndex < total) {
    const u = rankToValue(upperBounds, counts, upperIndex + 1, lowerBound);
    upper = u.hi === Infinity ? Infinity : u.value;
  }
  const resolution = est.hi === Infinity ? Infinity : est.hi === 0 ? 0 : (est.hi - est.lo) / Math.abs(est.hi);
  return { estimate: est.value, lower, upper, resolution };
}
