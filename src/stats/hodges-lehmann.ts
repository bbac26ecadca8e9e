import { sortedSample } from './assert-sample.ts';
import { countLessOrEqual, kthPairwiseDifference, smallestDifferenceAbove } from './kth-pairwise-difference.ts';
import { normalQuantile } from './normal-quantile.ts';
import { DEFAULT_CONFIDENCE } from './quantile-ci.ts';

export interface HodgesLehmannResult {
  /** median of all xᵢ − yⱼ: the shift of x relative to y (positive = x larger). */
  estimate: number;
  /** Lower bound of the shift; −Infinity when the samples are too small for the confidence level. */
  lower: number;
  upper: number;
}

/**
 * Two-sample Hodges-Lehmann shift estimate, median(xᵢ − yⱼ) over all n·m pairs, with the
 * distribution-free Moses confidence interval: the C-th smallest and C-th largest pairwise differences,
 * C = ⌊nm/2 − z_{1−α/2}·σ_U⌋ where σ_U is the tie-corrected standard deviation of the Mann-Whitney U
 * (the same σ as {@link mannWhitneyU}); when C < 1 the interval is unbounded. This normal
 * approximation is used at every sample size (exact critical values would be slightly different for
 * n, m < 20). R's `wilcox.test(x, y, conf.int = TRUE, exact = FALSE)` instead inverts the
 * continuity-corrected normal test by root-finding, so its bounds are interpolated values between
 * differences rather than order statistics; with `exact = TRUE` (small samples, no ties) R's bounds are
 * order statistics like these. Never forms the n·m differences: each order statistic is selected in
 * expected O((n + m) log(nm)) by {@link kthPairwiseDifference}.
 * References: Hodges & Lehmann, Ann. Math. Statist. 34 (1963); Moses in Walker & Lev (1953);
 * Hollander & Wolfe, "Nonparametric Statistical Methods" (2nd ed., 1999) §4.3; Bauer, JASA 67 (1972).
 *
 * @example
 * hodgesLehmann([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
 * // { estimate: -10, lower: -13, upper: -7 }
 */
export function hodgesLehmann(x: ArrayLike<number>, y: ArrayLike<number>, confidence: number = DEFAULT_CONFIDENCE): HodgesLehmannResult {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1 (got ${confidence})`);
  const a = sortedSample(x, 'x');
  const b = sortedSample(y, 'y');
  // ∞ − ∞ is NaN and would poison the order of the differences: only finite values have a shift.
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  const n = a.length;
  const m = b.length;
  const total = n * m;
  let estimate: number;
  if (total % 2 === 1) {
    estimate = kthPairwiseDifference(a, b, (total + 1) / 2);
  } else {
    // The (k+1)-th follows from the k-th in one pass: the same value if it is repeated, else the next one up.
    const low = kthPairwiseDifference(a, b, total / 2);
    const high = countLessOrEqual(a, b, low) > total / 2 ? low : smallestDifferenceAbove(a, b, low);
    estimate = (low + high) / 2;
  }
  const sigma = Math.sqrt((total / 12) * (n + m + 1 - tieTerm(a, b) / ((n + m) * (n + m - 1))));
  const c = Math.floor(total / 2 - normalQuantile(1 - (1 - confidence) / 2) * sigma);
  if (c < 1) return { estimate, lower: -Infinity, upper: Infinity };
  return { estimate, lower: kthPairwiseDifference(a, b, c), upper: kthPairwiseDifference(a, b, total - c + 1) };
}

function assertFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`${name}[${i}] must be finite for a Hodges-Lehmann shift (got ${values[i]})`);
  }
}

// Σ(t³ − t) over groups of equal values in the pooled sample (both inputs ascending).
function tieTerm(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    let t = 0;
    while (i < a.length && a[i] === v) {
      i++;
      t++;
    }
    while (j < b.length && b[j] === v) {
      j++;
      t++;
    }
    if (t > 1) sum += t * t * t - t;
  }
  return sum;
}
