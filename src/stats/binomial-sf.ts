import { binomialTail } from './binomial-tail.ts';

/**
 * Binomial upper tail P[X ≥ k] (note: ≥, unlike SciPy's `binom.sf(k)` which is P[X > k]) for
 * X ~ Binomial(n, p): pmf summation over the smaller tail, or the regularized incomplete beta
 * I_p(k, n − k + 1) (Abramowitz & Stegun 26.5.24) for very wide distributions — see {@link binomialTail}.
 *
 * @example
 * binomialSf(7, 10, 0.5); // 0.1718750000000002  (exact: 0.171875)
 */
export function binomialSf(k: number, n: number, p: number): number {
  return binomialTail(k, n, p, true);
}
