import { binomialQuantile } from './binomial-quantile.ts';

export interface OrderStatisticRanks {
  /** 0-based index of the order statistic bounding the q-quantile from below; −1 when none is far enough down. */
  lowerIndex: number;
  /** 0-based index of the upper bound; n when none is far enough up. */
  upperIndex: number;
}

/**
 * Which order statistics of a sample of n bound a distribution-free two-sided confidence interval for
 * the q-quantile: the number of observations below the true quantile is Binomial(n, q), so
 * lowerIndex = binom.ppf(α/2) − 1 and upperIndex = binom.isf(α/2), exactly as
 * `scipy.stats.quantile_test(…).confidence_interval()` chooses them (α = 1 − confidence).
 * Reference: W. R. Thompson, "On confidence ranges for the median and other expectation
 * distributions for populations of unknown distribution form", Ann. Math. Statist. 7 (1936);
 * Conover, "Practical Nonparametric Statistics" (3rd ed.) §3.2.
 *
 * @example
 * orderStatisticRanks(100, 0.5, 0.95); // { lowerIndex: 39, upperIndex: 60 }
 */
export function orderStatisticRanks(n: number, q: number, confidence: number): OrderStatisticRanks {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sample size must be a positive integer (got ${n})`);
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be strictly between 0 and 1 (got ${q})`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1 (got ${confidence})`);
  const alpha2 = (1 - confidence) / 2;
  return {
    lowerIndex: binomialQuantile(alpha2, n, q, false) - 1,
    upperIndex: binomialQuantile(alpha2, n, q, true),
  };
}
