import { assertAlternative, assertCount, type Alternative } from './assert-sample.ts';
import { binomialTest } from './binomial-test.ts';
import { clopperPearson } from './clopper-pearson.ts';
import { DEFAULT_CONFIDENCE } from './quantile-ci.ts';

export interface PoissonRateOptions {
  /** 'greater': the after rate is higher. Default 'two-sided'. */
  alternative?: Alternative;
  confidence?: number;
}

export interface PoissonRateResult {
  /** (countAfter / exposureAfter) / (countBefore / exposureBefore); Infinity when countBefore = 0, NaN when both are 0. */
  rateRatio: number;
  lower: number;
  upper: number;
  pValue: number;
}

/**
 * Exact conditional test comparing two Poisson rates, as R's `poisson.test(c(countAfter, countBefore),
 * c(exposureAfter, exposureBefore))`: given the total, countAfter ~ Binomial(total, eA/(eA + eB)) under
 * equal rates, so the p-value is {@link binomialTest} of that (equal to `scipy.stats.binomtest`), and the
 * rate-ratio interval is the Clopper-Pearson interval of the proportion mapped through
 * p/(1 − p)·eB/eA (R's construction). Zero counts are fine (ratio 0 or Infinity, bounds 0 or Infinity);
 * with no events at all there is nothing to test: pValue 1, ratio NaN, interval [0, Infinity].
 * Reference: Lehmann & Romano, "Testing Statistical Hypotheses" §4.5; R `poisson.test`.
 *
 * @example
 * poissonRateTest(10, 100, 25, 100);
 * // { rateRatio: 2.5, lower: 1.1596189735922389, upper: 5.8327132003357205, pValue: 0.01667384780012069 }
 */
export function poissonRateTest(
  countBefore: number,
  exposureBefore: number,
  countAfter: number,
  exposureAfter: number,
  options: PoissonRateOptions = {},
): PoissonRateResult {
  const { alternative = 'two-sided', confidence = DEFAULT_CONFIDENCE } = options;
  assertAlternative(alternative);
  assertCount(countBefore, 'countBefore');
  assertCount(countAfter, 'countAfter');
  if (!(exposureBefore > 0) || !Number.isFinite(exposureBefore)) throw new RangeError(`exposureBefore must be a finite number > 0 (got ${exposureBefore})`);
  if (!(exposureAfter > 0) || !Number.isFinite(exposureAfter)) throw new RangeError(`exposureAfter must be a finite number > 0 (got ${exposureAfter})`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1 (got ${confidence})`);
  const total = countBefore + countAfter;
  const rateRatio = countAfter / exposureAfter / (countBefore / exposureBefore);
  if (total === 0) return { rateRatio: NaN, lower: 0, upper: Infinity, pValue: 1 };
  const p0 = exposureAfter / (exposureAfter + exposureBefore);
  const pValue = binomialTest(countAfter, total, p0, alternative);
  const [pl, pu] = clopperPearson(countAfter, total, confidence, alternative);
  const toRatio = (p: number) => (p >= 1 ? Infinity : (p / (1 - p)) * (exposureBefore / exposureAfter));
  return { rateRatio, lower: toRatio(pl), upper: toRatio(pu), pValue };
}
