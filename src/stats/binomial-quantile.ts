import { assertBinomial } from './binomial-args.ts';
import { binomialTail } from './binomial-tail.ts';

/**
 * Binomial quantiles as SciPy defines them for a discrete distribution: with `upper` false, the
 * smallest k with P[X ≤ k] ≥ prob (`binom.ppf`); with `upper` true, the smallest k with P[X > k] ≤ prob
 * (`binom.isf`). Binary search over k (about log₂ n tail evaluations), so O(log n) evaluations even for
 * n = 1e7. Reference: SciPy `rv_discrete.ppf`/`isf` semantics (Boost `integer_round_up` policy).
 *
 * @example
 * binomialQuantile(0.025, 100, 0.5, false); // 40
 */
export function binomialQuantile(prob: number, n: number, p: number, upper: boolean): number {
  assertBinomial(n, p);
  if (!(prob >= 0 && prob <= 1)) throw new RangeError(`binomialQuantile: prob must be in [0, 1] (got ${prob})`);
  // Invariant: pred(hi) holds, pred(lo) fails (lo = −1 stands for "below the support").
  const pred = upper ? (k: number) => binomialTail(k + 1, n, p, true) <= prob : (k: number) => binomialTail(k, n, p, false) >= prob;
  if (pred(0)) return 0;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (pred(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
