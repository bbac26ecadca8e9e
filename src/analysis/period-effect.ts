/**
 * Do a seasonal baseline's reference periods differ by more than the noise inside them? One answer per service,
 * from all of its comparisons (every endpoint × quantile, every upstream's rates, backoff), which decides which
 * variance of a period total its comparisons use (design-effect.ts ReferencePeriods):
 * - each comparison's ratio of the between-period spread to the within-period variance is F(G − 1, df_within)
 *   when the periods differ only by within-period noise (the one-way random-effects F test, H. Scheffé, "The
 *   Analysis of Variance" (1959) §7.2), giving one p-value per comparison;
 * - the service's p-values are combined by the Cauchy combination test (Liu & Xie 2020), valid although they are
 *   correlated (the quantiles of one endpoint share its requests; endpoints share minute-level noise) and driven
 *   by the strongest evidence: a day effect moves the big, sensitive comparisons (a busy endpoint's p50) most.
 * Below DEFAULT_PERIOD_EFFECT_ALPHA the periods differ: every comparison of the service uses the between-period
 * spread with its G − 1 df, as a period-level effect demands. Otherwise the within-period variance and its many
 * df: on steady days the comparison is then as sure as the data allow instead of a t(2) test.
 * Why per service and not per comparison: a day effect is shared by a service's comparisons; three days that
 * happen to under-show it in one comparison do so in most of them at once, and choosing per comparison let that
 * through (measured: warn rates 25–33 % on no-change telemetry with a 3 % day effect, where 3 % was right). The
 * price of the check is its level: on steady days it still says "differ" in about α of the reports, which then
 * keep the t(G − 1) test.
 */
import { cauchyCombination, fisherFSf } from '../stats/index.ts';
import type { PeriodEvidence } from './design-effect.ts';

/** Level of the period-effect check: below it, a service's comparisons keep the between-period spread. */
export const DEFAULT_PERIOD_EFFECT_ALPHA = 0.05;

export interface PeriodEffectCheck {
  service: string;
  /** Comparisons that gave evidence (those with per-block data in at least two periods). */
  comparisons: number;
  /** Combined p-value of "the periods differ only by their within-period noise"; null without evidence. */
  pValue: number | null;
  /** The variance of a period total the service's comparisons use. */
  variance: 'between' | 'within';
}

export function periodEffectCheck(service: string, evidence: readonly PeriodEvidence[], alpha = DEFAULT_PERIOD_EFFECT_ALPHA): PeriodEffectCheck {
  if (evidence.length === 0) return { service, comparisons: 0, pValue: null, variance: 'between' };
  const pValue = cauchyCombination(evidence.map((e) => fisherFSf(e.ratio, e.df1, e.df2)));
  return { service, comparisons: evidence.length, pValue, variance: pValue < alpha ? 'between' : 'within' };
}
