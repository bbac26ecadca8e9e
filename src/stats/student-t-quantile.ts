import { memoIn } from './bounded-memo.ts';
import { normalQuantile } from './normal-quantile.ts';
import { studentTSf } from './student-t-sf.ts';

/**
 * Quantile of Student's t distribution, the t with P[T ≤ t] = p for `df` degrees of freedom (`scipy.stats.t.ppf`).
 * Bracketing by doubling from the normal quantile, then bisection on the survival function to full double
 * precision (the function is monotone, so this cannot fail; 60–80 evaluations). `df` may be fractional or
 * `Infinity` (the normal quantile).
 *
 * @example
 * studentTQuantile(0.975, 10); // 2.228138851986274
 * studentTQuantile(0.025, 4.5); // -2.658912347204403
 */
export function studentTQuantile(p: number, df: number): number {
  // The same (p, df) pairs come back for every subject (df depends on the block count and bandwidth only) and
  // each costs 60–80 incomplete-beta evaluations: remember them. The function is pure, so results are unchanged.
  const byDf = memoIn(QUANTILE_CACHE, p, CACHE_MAX, () => new Map<number, number>());
  return memoIn(byDf, df, CACHE_MAX, () => computeQuantile(p, df));
}

/** p → df → quantile; each level cleared when full, so memory stays bounded whatever the callers ask. */
const QUANTILE_CACHE = new Map<number, Map<number, number>>();
const CACHE_MAX = 4096;

function computeQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) throw new RangeError(`studentTQuantile: needs p in [0, 1] and df > 0 (got p = ${p}, df = ${df})`);
  if (df === Infinity) return normalQuantile(p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Work in the upper tail with q = P[T > t]; symmetry gives the lower half.
  const upper = p > 0.5;
  const q = upper ? 1 - p : p;
  let lo = 0;
  let hi = Math.max(1, -normalQuantile(q));
  while (studentTSf(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return upper ? Infinity : -Infinity;
  }
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (studentTSf(mid, df) > q) lo = mid;
    else hi = mid;
  }
  // The endpoint whose tail is closer to q.
  const t = Math.abs(studentTSf(lo, df) - q) <= Math.abs(studentTSf(hi, df) - q) ? lo : hi;
  return upper ? t : -t;
}
