/**
 * Argument check shared by the binomial functions: n a non-negative integer, p in [0, 1].
 *
 * @example
 * assertBinomial(10, 0.5); // undefined (no throw)
 */
export function assertBinomial(n: number, p: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial: n must be a non-negative integer (got ${n})`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial: p must be in [0, 1] (got ${p})`);
}
