import { assertAlternative, assertCount, type Alternative } from './assert-sample.ts';
import { binomialTail } from './binomial-tail.ts';

/**
 * Clopper-Pearson ("exact") confidence interval for a binomial proportion from k successes in n
 * trials: the p where P[X ≥ k] = α/2 (lower) and P[X ≤ k] = α/2 (upper), i.e. the beta quantiles
 * Beta⁻¹(α/2; k, n−k+1) and Beta⁻¹(1−α/2; k+1, n−k) that R's binom.test reports; one-sided
 * alternatives put all of α on one side ('greater' → [lower, 1], 'less' → [0, upper]). Equals
 * `scipy.stats.binomtest(k, n).proportion_ci(confidence_level, method='exact')` for two-sided.
 * Each bound is found by bisection on the bit pattern of the double, so it is the exact root to the
 * last bit of the tail function (≤ 64 tail evaluations).
 * Reference: Clopper & Pearson, Biometrika 26 (1934) 404–413.
 *
 * @example
 * clopperPearson(3, 15, 0.95); // [0.043312005105836625, 0.4808911338068531]
 */
export function clopperPearson(
  k: number,
  n: number,
  confidence: number,
  alternative: Alternative = 'two-sided',
): [number, number] {
  assertAlternative(alternative);
  assertCount(k, 'k');
  assertCount(n, 'n');
  if (n < 1 || k > n) throw new RangeError(`clopperPearson: need 0 <= k <= n and n >= 1 (got k=${k}, n=${n})`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1 (got ${confidence})`);
  const alpha = 1 - confidence;
  const tail = alternative === 'two-sided' ? alpha / 2 : alpha;
  let lower = 0;
  let upper = 1;
  if (alternative !== 'less' && k > 0) {
    // P[X ≥ k | p] rises with p: the lower bound is where it reaches the tail probability.
    lower = bisectUnit((p) => binomialTail(k, n, p, true) >= tail);
  }
  if (alternative !== 'greater' && k < n) {
    // P[X ≤ k | p] falls with p: the upper bound is where it drops to the tail probability.
    upper = bisectUnit((p) => binomialTail(k, n, p, false) <= tail);
  }
  return [lower, upper];
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The smallest double p in (0, 1) where the monotone predicate turns true (bisection on the bit pattern). */
function bisectUnit(pred: (p: number) => boolean): number {
  f64[0] = 0;
  let lo = u64[0];
  f64[0] = 1;
  let hi = u64[0]; // pred(1) holds for the tails used here
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    u64[0] = mid;
    if (pred(f64[0])) hi = mid;
    else lo = mid;
  }
  u64[0] = hi;
  return f64[0];
}
