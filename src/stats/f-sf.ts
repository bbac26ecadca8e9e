import { incompleteBetaPair } from './incomplete-beta-pair.ts';

/**
 * Survival function of Fisher's F distribution with (d1, d2) degrees of freedom, P[F > x]
 * (`scipy.stats.f.sf(x, d1, d2)`) = I_{d2/(d2 + d1·x)}(d2/2, d1/2), with both tails of the incomplete beta
 * computed without cancellation, so a small tail keeps its relative accuracy. `d2 = Infinity` is the limit
 * χ²(d1)/d1 (computed with a large finite d2 is not exact, so it is refused).
 * Reference: M. Abramowitz & I. A. Stegun, "Handbook of Mathematical Functions" (1964) 26.6.2.
 *
 * @example
 * fisherFSf(3, 2, 80); // 0.05541935027980477
 */
export function fisherFSf(x: number, d1: number, d2: number): number {
  if (Number.isNaN(x) || !(d1 > 0) || !(d2 > 0) || !Number.isFinite(d1) || !Number.isFinite(d2)) {
    throw new RangeError(`fisherFSf: needs a number x and finite d1, d2 > 0 (got x = ${x}, d1 = ${d1}, d2 = ${d2})`);
  }
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const denominator = d2 + d1 * x;
  const [sf] = incompleteBetaPair(d2 / 2, d1 / 2, d2 / denominator, (d1 * x) / denominator);
  return sf;
}
