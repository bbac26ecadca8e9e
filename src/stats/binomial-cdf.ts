import { binomialTail } from './binomial-tail.ts';

/**
 * Binomial distribution function P[X ≤ k] for X ~ Binomial(n, p), accurate to about 1e-13 relative in
 * both tails: pmf summation over the smaller tail, or the regularized incomplete beta
 * I_{1−p}(n − k, k + 1) (Abramowitz & Stegun 26.5.24) for very wide distributions — see {@link binomialTail}.
 *
 * @example
 * binomialCdf(3, 10, 0.5); // 0.1718750000000002  (exact: 0.171875)
 */
export function binomialCdf(k: number, n: number, p: number): number {
  return binomialTail(k, n, p, false);
}
