/**
 * Binomial acceptance bounds for rates measured over a fixed set of seeds, one-sided at α (default 5 %): an
 * implementation exactly at the target fails a given seed set with probability ≤ α.
 */
import { binomialCdf } from '../../src/stats/binomial-cdf.ts';

const ALPHA = 0.05;

/** Largest count k of n still consistent with "rate ≤ p0": P[X ≥ k] ≥ α. */
export function maxCount(n: number, p0: number, alpha = ALPHA): number {
  let k = 0;
  while (k < n && 1 - binomialCdf(k, n, p0) >= alpha) k++; // 1 − cdf(k) = P[X ≥ k + 1]
  return k;
}

/** Smallest count k of n still consistent with "rate ≥ p0": P[X ≤ k] ≥ α. */
export function minCount(n: number, p0: number, alpha = ALPHA): number {
  let k = 0;
  while (k < n && binomialCdf(k, n, p0) < alpha) k++;
  return k;
}

