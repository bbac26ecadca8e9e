import { normalTails } from './normal-tails.ts';

/**
 * Standard normal cumulative distribution function Φ(x) = P[Z ≤ x], accurate to about 1e-15 relative
 * even far in the lower tail. W. J. Cody (1969), Math. Comp. 23, 631–637 (via {@link normalTails}).
 *
 * @example
 * normalCdf(1.959963984540054); // 0.975
 * normalCdf(-10); // 7.619853024160527e-24
 */
export function normalCdf(x: number): number {
  return normalTails(x)[0];
}
