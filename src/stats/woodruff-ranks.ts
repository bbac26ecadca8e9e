import { normalQuantile } from './normal-quantile.ts';
import { orderStatisticRanks, type OrderStatisticRanks } from './order-statistic-ranks.ts';
import { studentTQuantile } from './student-t-quantile.ts';

/**
 * Order statistics bounding a confidence interval for the q-quantile when the observations are clustered
 * (Woodruff's method): the share of the sample at or below the quantile has variance d·q(1−q)/n, where d is the
 * design effect of that indicator (1 for independent observations) estimated with `df` degrees of freedom, so
 * the share's interval is q ∓ t_df·√(d·q(1−q)/n) and the bounds are the order statistics at those shares
 * (⌊n·p_lo⌋ and ⌈n·p_hi⌉ + 1, 1-based, matching the rank offsets of the exact binomial interval).
 * With d = 1 and df = Infinity it is exactly {@link orderStatisticRanks} (the distribution-free interval for
 * independent data), so nothing changes where nothing is clustered.
 * References: R. S. Woodruff, "Confidence intervals for medians and other position measures", JASA 47 (1952)
 * 635–646; C. A. Francisco & W. A. Fuller, "Quantile estimation with a complex survey design", Annals of
 * Statistics 19 (1991) 454–469.
 *
 * @example
 * woodruffRanks(100, 0.5, 0.95, 1, Infinity); // { lowerIndex: 39, upperIndex: 60 }
 * woodruffRanks(1000, 0.9, 0.95, 4, 12); // { lowerIndex: 857, upperIndex: 942 }
 */
export function woodruffRanks(n: number, q: number, confidence: number, designEffect: number, df: number): OrderStatisticRanks {
  if (!(designEffect >= 1)) throw new RangeError(`woodruffRanks: designEffect must be ≥ 1 (got ${designEffect})`);
  if (designEffect === 1 && df === Infinity) return orderStatisticRanks(n, q, confidence);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sample size must be a positive integer (got ${n})`);
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be strictly between 0 and 1 (got ${q})`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1 (got ${confidence})`);
  const p = 1 - (1 - confidence) / 2;
  const crit = df === Infinity ? normalQuantile(p) : studentTQuantile(p, df);
  const half = crit * Math.sqrt((designEffect * q * (1 - q)) / n);
  const lower1 = Math.floor(n * (q - half));
  const upper1 = Math.ceil(n * (q + half)) + 1;
  return { lowerIndex: lower1 >= 1 ? lower1 - 1 : -1, upperIndex: upper1 <= n ? upper1 - 1 : n };
}
