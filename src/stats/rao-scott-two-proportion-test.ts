import type { Alternative } from './assert-sample.ts';
import { assertAlternative } from './assert-sample.ts';
import { assertClusteredCount, type ClusteredCount } from './clustered-count.ts';
import { normalSf } from './normal-sf.ts';
import { studentTSf } from './student-t-sf.ts';
import { welchSatterthwaiteDf } from './welch-satterthwaite-df.ts';

export interface RaoScottProportionResult {
  /** (p₁ − p₂) / SE with the design-effect-inflated pooled standard error (positive = group 1 higher). */
  z: number;
  pValue: number;
  /** Degrees of freedom of the reference t (Infinity = normal: no design effect was estimated). */
  df: number;
  p1: number;
  p2: number;
}

/**
 * Two-proportion test for clustered binary data by the Rao–Scott adjustment: each group's counts are divided by
 * its design effect (effective sample sizes), and the pooled two-proportion z statistic is computed on those,
 * i.e. SE² = p̄(1−p̄)(d₁/n₁ + d₂/n₂) with p̄ the pooled share of the effective counts. Because the design effects
 * are estimated (from time blocks), the reference is Student's t with Welch–Satterthwaite degrees of freedom
 * combined from each group's (a known design effect, df = Infinity, contributes none); `options.df` replaces that
 * combination when both design effects come from one shared estimate (Welch–Satterthwaite assumes independent ones). With d₁ = d₂ = 1 and
 * df = Infinity it is exactly the pooled two-proportion z test (Pearson's chi-square without correction).
 * References: J. N. K. Rao & A. J. Scott, "A simple method for the analysis of clustered binary data",
 * Biometrics 48 (1992) 577–585; A. Donner & N. Klar, "Design and Analysis of Cluster Randomization Trials"
 * (2000) §6.2.
 *
 * @example
 * raoScottTwoProportionTest({ k: 30, n: 100, designEffect: 1, df: Infinity }, { k: 15, n: 100, designEffect: 1, df: Infinity });
 * // { z: 2.5400025400038095, pValue: 0.011085166380602708, df: Infinity, p1: 0.3, p2: 0.15 }
 */
export function raoScottTwoProportionTest(g1: ClusteredCount, g2: ClusteredCount, options: { alternative?: Alternative; df?: number } = {}): RaoScottProportionResult {
  const { alternative = 'two-sided' } = options;
  if (options.df !== undefined && !(options.df > 0)) throw new RangeError(`raoScottTwoProportionTest: df must be > 0 (got ${options.df})`);
  assertAlternative(alternative);
  assertClusteredCount(g1, 'group 1');
  assertClusteredCount(g2, 'group 2');
  if (g1.k > g1.n || g2.k > g2.n) throw new RangeError('raoScottTwoProportionTest: k must not exceed n');
  const p1 = g1.k / g1.n;
  const p2 = g2.k / g2.n;
  const pooled = (g1.k / g1.designEffect + g2.k / g2.designEffect) / (g1.n / g1.designEffect + g2.n / g2.designEffect);
  const v1 = (pooled * (1 - pooled) * g1.designEffect) / g1.n;
  const v2 = (pooled * (1 - pooled) * g2.designEffect) / g2.n;
  const variance = v1 + v2;
  if (!(variance > 0)) return { z: 0, pValue: 1, df: Infinity, p1, p2 };
  const z = (p1 - p2) / Math.sqrt(variance);
  const df = options.df ?? welchSatterthwaiteDf([v1, v2], [g1.designEffect > 1 ? g1.df : Infinity, g2.designEffect > 1 ? g2.df : Infinity]);
  const sf = (x: number) => (df === Infinity ? normalSf(x) : studentTSf(x, df));
  const pValue = alternative === 'greater' ? sf(z) : alternative === 'less' ? sf(-z) : Math.min(1, 2 * sf(Math.abs(z)));
  return { z, pValue, df, p1, p2 };
}
