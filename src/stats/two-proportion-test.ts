import { assertAlternative, assertCount, type Alternative } from './assert-sample.ts';
import { normalSf } from './normal-sf.ts';

export interface TwoProportionResult {
  /** Pooled z statistic (positive = group 1 proportion higher); 0 when the pooled proportion is 0 or 1. */
  z: number;
  pValue: number;
  p1: number;
  p2: number;
}

/**
 * Two-sample z test for proportions with the pooled standard error, z = (p₁ − p₂)/√(p̄(1−p̄)(1/n₁ + 1/n₂)).
 * Two-sided it equals Pearson's chi-square test without continuity correction on the 2×2 table
 * (`scipy.stats.chi2_contingency(table, correction=False)`, since χ² = z²); 'greater' means group 1 has
 * the higher proportion. When both groups are all successes or all failures there is no variation to
 * test: z = 0, pValue = 1 (SciPy raises there because an expected count is zero).
 * Reference: Agresti, "Categorical Data Analysis" (3rd ed.) §3.1.
 *
 * @example
 * twoProportionTest(30, 100, 15, 100);
 * // { z: 2.5400025400038095, pValue: 0.011085166380602708, p1: 0.3, p2: 0.15 }
 */
export function twoProportionTest(k1: number, n1: number, k2: number, n2: number, options: { alternative?: Alternative } = {}): TwoProportionResult {
  const { alternative = 'two-sided' } = options;
  assertAlternative(alternative);
  checkGroup(k1, n1, 1);
  checkGroup(k2, n2, 2);
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const pooled = (k1 + k2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (!(variance > 0)) return { z: 0, pValue: 1, p1, p2 };
  const z = (p1 - p2) / Math.sqrt(variance);
  const pValue = alternative === 'greater' ? normalSf(z) : alternative === 'less' ? normalSf(-z) : Math.min(1, 2 * normalSf(Math.abs(z)));
  return { z, pValue, p1, p2 };
}

/**
 * Validates one group of a 2×2 comparison: k successes out of n ≥ 1 trials.
 *
 * @example
 * checkGroup(3, 10, 1); // undefined (no throw)
 */
export function checkGroup(k: number, n: number, group: number): void {
  assertCount(k, `k${group}`);
  assertCount(n, `n${group}`);
  if (n < 1) throw new RangeError(`n${group} must be at least 1`);
  if (k > n) throw new RangeError(`k${group} (${k}) must not exceed n${group} (${n})`);
}
