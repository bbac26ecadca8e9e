import { normalTails } from './normal-tails.ts';

/**
 * Standard normal survival function 1 − Φ(x) = P[Z > x], accurate to about 1e-15 relative far in the
 * upper tail (computed directly, never as 1 − Φ). W. J. Cody (1969), Math. Comp. 23, 631–637.
 *
 * @example
 * normalSf(10); // 7.619853024160527e-24
 */
export function normalSf(x: number): number {
  return normalTails(x)[1];
}
