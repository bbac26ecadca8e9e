import { assertAlternative, type Alternative } from './assert-sample.ts';
import { assertClusteredCount, type ClusteredCount } from './clustered-count.ts';
import { normalQuantile } from './normal-quantile.ts';
import { normalSf } from './normal-sf.ts';
import { poissonRateTest, type PoissonRateResult } from './poisson-rate-test.ts';
import { DEFAULT_CONFIDENCE } from './quantile-ci.ts';
import { studentTQuantile } from './student-t-quantile.ts';
import { studentTSf } from './student-t-sf.ts';
import { welchSatterthwaiteDf } from './welch-satterthwaite-df.ts';

export interface RaoScottRateResult extends PoissonRateResult {
  /** Degrees of freedom of the reference t (Infinity = normal or exact). */
  df: number;
  method: 'exact-poisson' | 'exact-poisson (effective counts)' | 'score-t';
}

/** Below this many effective events in total the asymptotic form is not trusted; the exact test is used. */
export const DEFAULT_MIN_EFFECTIVE_EVENTS = 20;

/**
 * Compares two event rates (events `k` over exposure `n`, e.g. retries over calls) when the events are
 * clustered in time, by the Rao–Scott adjustment applied to counts: each group's events and exposure are
 * divided by its design effect (the variance of its rate estimate ÷ the Poisson variance). With design effects
 * of 1 (independent events) it is exactly the conditional exact Poisson test {@link poissonRateTest}; with few
 * effective events (< `minEffectiveEvents`, or none on one side) it is that exact test on the rounded effective
 * counts; otherwise the
 * score statistic z = (r₂ − r₁)/√(λ̄(d₁/n₁ + d₂/n₂)) with λ̄ the pooled effective rate, against Student's t with
 * Welch–Satterthwaite degrees of freedom, and the rate ratio's interval on the log scale,
 * log(r₂/r₁) ± t·√(d₁/k₁ + d₂/k₂). `rateRatio` is r₂/r₁ (group 2 = after).
 * References: J. N. K. Rao & A. J. Scott, Biometrics 48 (1992) 577–585 (the adjustment); the quasi-Poisson
 * variance of McCullagh & Nelder, "Generalized Linear Models" (2nd ed., 1989) §6.2.3, of which the design effect
 * is the dispersion.
 *
 * @example
 * raoScottRateTest({ k: 10, n: 100, designEffect: 1, df: Infinity }, { k: 25, n: 100, designEffect: 1, df: Infinity });
 * // { rateRatio: 2.5, lower: 1.1596189735922389, upper: 5.8327132003357205, pValue: 0.01667384780012069, df: Infinity, method: 'exact-poisson' }
 */
export function raoScottRateTest(
  before: ClusteredCount,
  after: ClusteredCount,
  options: { alternative?: Alternative; confidence?: number; minEffectiveEvents?: number; df?: number } = {},
): RaoScottRateResult {
  const { alternative = 'two-sided', confidence = DEFAULT_CONFIDENCE, minEffectiveEvents = DEFAULT_MIN_EFFECTIVE_EVENTS } = options;
  assertAlternative(alternative);
  assertClusteredCount(before, 'before');
  assertClusteredCount(after, 'after');
  // `options.df`: both design effects come from one shared estimate (a seasonal baseline), whose df it is; even
  // at design effects of 1 that variance is estimated, so the exact test (a known variance) does not apply.
  if (options.df !== undefined && !(options.df > 0)) throw new RangeError(`raoScottRateTest: df must be > 0 (got ${options.df})`);
  if (before.designEffect === 1 && after.designEffect === 1 && options.df === undefined) {
    return { ...poissonRateTest(before.k, before.n, after.k, after.n, { alternative, confidence }), df: Infinity, method: 'exact-poisson' };
  }
  const k1 = before.k / before.designEffect;
  const k2 = after.k / after.designEffect;
  const n1 = before.n / before.designEffect;
  const n2 = after.n / after.designEffect;
  // Few events, or none on one side (no log-scale interval): the exact test on the effective counts.
  if (k1 + k2 < minEffectiveEvents || before.k === 0 || after.k === 0) {
    const exact = poissonRateTest(Math.round(k1), n1, Math.round(k2), n2, { alternative, confidence });
    return { ...exact, rateRatio: after.k / after.n / (before.k / before.n), df: Infinity, method: 'exact-poisson (effective counts)' };
  }
  const r1 = before.k / before.n;
  const r2 = after.k / after.n;
  const pooled = (k1 + k2) / (n1 + n2);
  const v1 = (pooled * before.designEffect) / before.n;
  const v2 = (pooled * after.designEffect) / after.n;
  const df = options.df ?? welchSatterthwaiteDf([v1, v2], [before.designEffect > 1 ? before.df : Infinity, after.designEffect > 1 ? after.df : Infinity]);
  const z = (r2 - r1) / Math.sqrt(v1 + v2);
  const sf = (x: number) => (df === Infinity ? normalSf(x) : studentTSf(x, df));
  const pValue = alternative === 'greater' ? sf(z) : alternative === 'less' ? sf(-z) : Math.min(1, 2 * sf(Math.abs(z)));
  const tail = alternative === 'two-sided' ? (1 - confidence) / 2 : 1 - confidence;
  const crit = df === Infinity ? -normalQuantile(tail) : -studentTQuantile(tail, df);
  const rateRatio = r2 / r1;
  const se = Math.sqrt(before.designEffect / before.k + after.designEffect / after.k);
  const lower = alternative === 'less' ? 0 : rateRatio * Math.exp(-crit * se);
  const upper = alternative === 'greater' ? Infinity : rateRatio * Math.exp(crit * se);
  return { rateRatio, lower, upper, pValue, df, method: 'score-t' };
}
