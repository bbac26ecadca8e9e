import { incompleteBetaPair } from './incomplete-beta-pair.ts';

/**
 * Regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b) for a, b > 0 and x in [0, 1].
 * Lentz continued fraction, Numerical Recipes 3rd ed. §6.4 (see {@link incompleteBetaPair} for the
 * complement without cancellation).
 *
 * @example
 * regularizedIncompleteBeta(0.4, 2, 3); // 0.5247999999999998  (exact: 0.5248)
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  return incompleteBetaPair(a, b, x)[0];
}
