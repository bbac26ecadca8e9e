/**
 * SciPy's `_binary_search_for_binom_tst`, used by binomtest and fisher_exact to find where the other
 * tail starts: for `a` ascending on [lo, hi], the index i with a(i) ≤ d < a(i + 1) (lo − 1 when even
 * a(lo) exceeds d). Reproduced step for step so boundary cases land on the same side as SciPy.
 *
 * @example
 * searchPmfBoundary((x) => x * x, 10, 0, 5); // 3
 */
export function searchPmfBoundary(a: (x: number) => number, d: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const v = a(mid);
    if (v < d) lo = mid + 1;
    else if (v > d) hi = mid - 1;
    else return mid;
  }
  return a(lo) <= d ? lo : lo - 1;
}
