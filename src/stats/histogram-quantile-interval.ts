import { assertHistogram } from './assert-histogram.ts';
import { rankToValue } from './histogram-quantile.ts';
import type { OrderStatisticRanks } from './order-statistic-ranks.ts';

export interface HistogramQuantileInterval {
  /** Prometheus-style interpolated q-quantile (as {@link histogramQuantile}). */
  estimate: number;
  /** Lower EDGE of the bucket holding the lower order statistic; −Infinity when the ranks cannot bound it. */
  lower: number;
  /** Upper EDGE of the bucket holding the upper order statistic; +Infinity when they cannot (or it is open). */
  upper: number;
  /** Edges of the bucket holding the estimate: all the histogram can say about where the quantile is. */
  estimateLow: number;
  estimateHigh: number;
  /** Relative width (hi − lo)/hi of that bucket; Infinity for an open bucket. */
  resolution: number;
}

/**
 * A confidence interval for the q-quantile of a histogram that holds whatever the bucket layout: given the
 * order-statistic ranks of the interval (from {@link orderStatisticRanks} for independent data, or
 * {@link woodruffRanks} for clustered data), each bound is the far EDGE of the bucket its order statistic falls
 * in — the order statistic itself lies somewhere inside that bucket, so the edge bounds it for sure — instead of
 * a value interpolated inside the bucket, which assumes the values are spread evenly there and under-covers when
 * they are not (a coarse 10-20-50-100 layout called a +4 % change "+10 %, interval +8…+13 %"). The estimate
 * stays interpolated, and its bucket's edges are returned so a decision can ask what the resolution allows.
 * Reference: the ranks as in Conover (1999) §3.2; bucket edges as in Prometheus' classic histograms.
 *
 * @example
 * histogramQuantileInterval([10, 20, 40, Infinity], [50, 100, 40, 10], 0.5, { lowerIndex: 85, upperIndex: 114 });
 * // { estimate: 15, lower: 10, upper: 20, estimateLow: 10, estimateHigh: 20, resolution: 0.5 }
 */
export function histogramQuantileInterval(
  upperBounds: ArrayLike<number>,
  counts: ArrayLike<number>,
  q: number,
  ranks: OrderStatisticRanks,
  lowerBound: number = 0,
): HistogramQuantileInterval {
  const total = assertHistogram(upperBounds, counts, lowerBound);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`histogramQuantileInterval: q must be in [0, 1] (got ${q})`);
  const est = rankToValue(upperBounds, counts, q * total, lowerBound);
  // Index i (0-based) is the (i+1)-th smallest observation: rank i + 1.
  const lower = ranks.lowerIndex >= 0 ? rankToValue(upperBounds, counts, ranks.lowerIndex + 1, lowerBound).lo : -Infinity;
  const upper = ranks.upperIndex < total ? rankToValue(upperBounds, counts, ranks.upperIndex + 1, lowerBound).hi : Infinity;
  const resolution = est.hi === Infinity ? Infinity : est.hi === 0 ? 0 : (est.hi - est.lo) / Math.abs(est.hi);
  return { estimate: est.value, lower, upper, estimateLow: est.lo, estimateHigh: est.hi, resolution };
}
