import type { Alternative } from './assert-sample.ts';
import { normalSf } from './normal-sf.ts';

export interface MannWhitneyResult {
  /** Mann-Whitney U of the first sample: pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counting ½ (SciPy's `statistic`). */
  u: number;
  /**
   * Standardized U of the first sample with continuity correction toward the null (positive = x tends to
   * be larger). The p-value is the normal tail of |z| (two-sided ×2), exactly as SciPy computes it.
   */
  z: number;
  pValue: number;
}

/**
 * Normal approximation of the Mann-Whitney U test from the rank sum of x and the tie term Σ(t³ − t),
 * reproducing `scipy.stats.mannwhitneyu(method='asymptotic')` step for step (SciPy's `_get_mwu_z`).
 * One deliberate difference: when every value is tied and there is no continuity correction, SciPy's
 * z is 0/0 and its p-value NaN; here the p-value is 1 (no evidence of a difference).
 * Reference: Mann & Whitney (1947); tie correction as in Wikipedia "Mann–Whitney U test", normal
 * approximation and tie correction.
 *
 * @example
 * rankSumNormal({ rankSumX: 4, n1: 2, n2: 2, tieTerm: 0, alternative: 'two-sided', continuity: true });
 * // { u: 1, z: -0.3872983346207417, pValue: 0.6985353583033387 }
 */
export function rankSumNormal(args: {
  rankSumX: number;
  n1: number;
  n2: number;
  tieTerm: number;
  alternative: Alternative;
  continuity: boolean;
}): MannWhitneyResult {
  const { rankSumX, n1, n2, tieTerm, alternative, continuity } = args;
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const mu = (n1 * n2) / 2;
  const n = n1 + n2;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const cc = continuity ? 0.5 : 0;
  // SciPy always takes the survival function of the statistic of the tested direction.
  const u = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  const zTested = (u - mu - cc) / s;
  const tail = Number.isNaN(zTested) ? 1 : normalSf(zTested);
  const pValue = Math.min(1, Math.max(0, (alternative === 'two-sided' ? 2 : 1) * tail));
  const diff = u1 - mu;
  const z = s > 0 ? (diff > 0 ? diff - cc : diff < 0 ? diff + cc : 0) / s : 0;
  return { u: u1, z, pValue };
}
