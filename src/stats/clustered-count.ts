/**
 * A count observed in clusters (time blocks): `k` events out of `n` trials (or over an exposure of `n`), with the
 * design effect of its estimate (variance ÷ the variance under independence, at least 1) and the degrees of
 * freedom with which that design effect was estimated (Infinity when it is not estimated: independent data).
 */
export interface ClusteredCount {
  k: number;
  n: number;
  designEffect: number;
  df: number;
}

/** The independent-data case of {@link ClusteredCount}: design effect 1, known variance. */
export function independentCount(k: number, n: number): ClusteredCount {
  return { k, n, designEffect: 1, df: Infinity };
}

/** Checks a clustered count's fields (k ≤ n is the caller's to check where it applies). */
export function assertClusteredCount(c: ClusteredCount, what: string): void {
  if (!(c.k >= 0) || !(c.n > 0) || !Number.isFinite(c.n)) throw new RangeError(`${what}: needs k ≥ 0 and a finite n > 0 (got k = ${c.k}, n = ${c.n})`);
  if (!(c.designEffect >= 1)) throw new RangeError(`${what}: designEffect must be ≥ 1 (got ${c.designEffect})`);
  if (!(c.df > 0)) throw new RangeError(`${what}: df must be > 0 (got ${c.df})`);
}
