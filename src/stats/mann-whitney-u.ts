import { assertAlternative, sortedSample, type Alternative } from './assert-sample.ts';
import { mergeSortedSamples } from './merge-sorted-samples.ts';
import { rankSumNormal, type MannWhitneyResult } from './rank-sum-normal.ts';

export interface MannWhitneyOptions {
  /** 'greater': x tends to be larger than y. Default 'two-sided'. */
  alternative?: Alternative;
  /** Continuity correction of ½ toward the null. Default true. */
  continuity?: boolean;
}

/**
 * Mann-Whitney U (Wilcoxon rank-sum) test of x against y with the tie-corrected normal approximation.
 * Equals `scipy.stats.mannwhitneyu(x, y, method='asymptotic', alternative=…, use_continuity=…)`:
 * `u` is U of x, ties get midranks (all values tied without continuity correction: pValue 1 where
 * SciPy gives NaN, see {@link rankSumNormal}). O((n + m) log(n + m)): both samples are copied into typed arrays,
 * sorted, and merged once ({@link mergeSortedSamples}) to get U of x and the tie term Σ(t³ − t).
 * Reference: Mann & Whitney, Ann. Math. Statist. 18 (1947) 50–60.
 *
 * @example
 * mannWhitneyU([1, 2, 3, 4], [3, 5, 6, 7, 8]);
 * // { u: 1.5, z: -1.9678081480578906, pValue: 0.04909011632260757 }
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>, options: MannWhitneyOptions = {}): MannWhitneyResult {
  const { alternative = 'two-sided', continuity = true } = options;
  assertAlternative(alternative);
  const a = sortedSample(x, 'x');
  const b = sortedSample(y, 'y');
  const n1 = a.length;
  const n2 = b.length;
  const { u, tieTerm } = mergeSortedSamples(a, b);
  const rankSumX = u + (n1 * (n1 + 1)) / 2; // exact: both terms are half-integers below 2⁵³
  return rankSumNormal({ rankSumX, n1, n2, tieTerm, alternative, continuity });
}
