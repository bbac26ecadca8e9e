import { assertAscending } from './assert-sample.ts';
import { orderStatisticRanks } from './order-statistic-ranks.ts';

export interface QuantileCI {
  /** Sample q-quantile, linear interpolation between order statistics (type 7, NumPy's default). */
  estimate: number;
  /** Lower bound (an observation), or −Infinity when the sample is too small to bound it (SciPy: nan). */
  lower: number;
  /** Upper bound (an observation), or +Infinity when the sample is too small to bound it (SciPy: nan). */
  upper: number;
  /** 0-based index of `lower` in the sorted sample; −1 when `lower` is −Infinity. */
  lowerRank: number;
  /** 0-based index of `upper` in the sorted sample; n when `upper` is +Infinity. */
  upperRank: number;
}

/** Default confidence level of quantile intervals. */
export const DEFAULT_CONFIDENCE = 0.95;

/**
 * Point estimate and distribution-free confidence interval of the q-quantile of an ascending sample.
 * The estimate is NumPy's default `np.quantile(x, q)` (type 7: h = (n−1)q, interpolated with NumPy's
 * own lerp so the last bit agrees). The interval uses order statistics chosen from the Binomial(n, q)
 * distribution of the count below the quantile, equal to
 * `scipy.stats.quantile_test(x, q=…, p=q).confidence_interval(confidence_level)`, except that where
 * SciPy returns nan (not enough observations in a tail) this returns −Infinity / +Infinity: an
 * unbounded side, which the caller can compare and print without special cases. O(n) for the sortedness
 * check plus O(log n) binomial tail evaluations (each at most O(√n) terms).
 * Reference: Conover, "Practical Nonparametric Statistics" (3rd ed., 1999) §3.2; Hyndman & Fan (1996) type 7.
 *
 * @example
 * quantileCI([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5);
 * // { estimate: 5.5, lower: 2, upper: 9, lowerRank: 1, upperRank: 8 }
 */
export function quantileCI(sortedAscending: ArrayLike<number>, q: number, confidence: number = DEFAULT_CONFIDENCE): QuantileCI {
  assertAscending(sortedAscending, 'sortedAscending');
  const x = sortedAscending;
  const n = x.length;
  const { lowerIndex, upperIndex } = orderStatisticRanks(n, q, confidence);
  return {
    estimate: typeSevenQuantile(x, q),
    lower: lowerIndex >= 0 ? x[lowerIndex] : -Infinity,
    upper: upperIndex < n ? x[upperIndex] : Infinity,
    lowerRank: Math.max(lowerIndex, -1),
    upperRank: Math.min(upperIndex, n),
  };
}

/**
 * NumPy's `quantile(x, q, method='linear')` on an ascending sample, including its virtual-index
 * arithmetic and its two-sided lerp (so results agree to the last bit).
 *
 * @example
 * typeSevenQuantile([1, 2, 3, 4], 0.5); // 2.5
 */
export function typeSevenQuantile(x: ArrayLike<number>, q: number): number {
  const { prev, next, gamma } = typeSevenPosition(x.length, q);
  return numpyLerp(x[prev], x[next], gamma);
}

/**
 * Where NumPy's linear (type 7) quantile of n sorted values falls: the two neighbouring 0-based indices
 * and the interpolation weight, computed with NumPy's own virtual-index formula.
 *
 * @example
 * typeSevenPosition(4, 0.5); // { prev: 1, next: 2, gamma: 0.5 }
 */
export function typeSevenPosition(n: number, q: number): { prev: number; next: number; gamma: number } {
  const virtual = n * q + (1 + q * (1 - 1 - 1)) - 1;
  const prev = Math.min(Math.max(Math.floor(virtual), 0), n - 1);
  return { prev, next: Math.min(prev + 1, n - 1), gamma: virtual - Math.floor(virtual) };
}

/**
 * NumPy's `_lerp`: a + (b − a)·t, computed from the nearer end (b − (b − a)(1 − t) for t ≥ ½).
 *
 * @example
 * numpyLerp(1, 2, 0.25); // 1.25
 */
export function numpyLerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
