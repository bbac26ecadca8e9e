import { assertAlternative, type Alternative } from './assert-sample.ts';
import { rankSumNormal, type MannWhitneyResult } from './rank-sum-normal.ts';

export interface MannWhitneyBinnedOptions {
  alternative?: Alternative;
  continuity?: boolean;
}

/**
 * Mann-Whitney U test for two histograms on the SAME buckets: every bucket is one tie group (values
 * inside a bucket are indistinguishable), observations get the bucket's midrank. Equals
 * `scipy.stats.mannwhitneyu(method='asymptotic')` on data expanded from the counts (one value per
 * bucket), in O(number of buckets). Counts must be non-negative integers (fractional counts would be
 * accepted arithmetically but have no rank interpretation).
 * Reference: Mann & Whitney (1947); midranks for grouped data, Lehmann, "Nonparametrics" (1975) §1.4.
 *
 * @example
 * mannWhitneyUBinned([2, 1, 1], [0, 2, 3]);
 * // { u: 4.5, z: -1.3093073414159544, pValue: 0.19043026382552405 }
 */
export function mannWhitneyUBinned(
  countsX: ArrayLike<number>,
  countsY: ArrayLike<number>,
  options: MannWhitneyBinnedOptions = {},
): MannWhitneyResult {
  const { alternative = 'two-sided', continuity = true } = options;
  assertAlternative(alternative);
  if (countsX.length !== countsY.length) {
    throw new RangeError(`countsX and countsY must have the same buckets (lengths ${countsX.length} and ${countsY.length})`);
  }
  let n1 = 0;
  let n2 = 0;
  for (let k = 0; k < countsX.length; k++) {
    const cx = countsX[k];
    const cy = countsY[k];
    if (!(cx >= 0) || !Number.isFinite(cx)) throw new RangeError(`countsX[${k}] must be a finite count >= 0 (got ${cx})`);
    if (!(cy >= 0) || !Number.isFinite(cy)) throw new RangeError(`countsY[${k}] must be a finite count >= 0 (got ${cy})`);
    n1 += cx;
    n2 += cy;
  }
  if (n1 === 0) throw new RangeError('countsX holds no observations (all counts are 0)');
  if (n2 === 0) throw new RangeError('countsY holds no observations (all counts are 0)');
  let rank = 0;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let k = 0; k < countsX.length; k++) {
    const cx = countsX[k];
    const t = cx + countsY[k];
    if (t === 0) continue;
    rankSumX += cx * (rank + (t + 1) / 2);
    if (t > 1) tieTerm += t * t * t - t;
    rank += t;
  }
  return rankSumNormal({ rankSumX, n1, n2, tieTerm, alternative, continuity });
}
