import { assertBinomial } from './binomial-args.ts';
import { binomialPmf } from './binomial-pmf.ts';
import { incompleteBetaPair } from './incomplete-beta-pair.ts';

/** Above this standard deviation the tail is taken from the incomplete beta instead of a pmf sum. */
export const DEFAULT_BINOMIAL_SUM_MAX_SD = 3000;

/**
 * Binomial tail probability, P[X ≤ k] (`upper` false) or P[X ≥ k] (`upper` true), X ~ Binomial(n, p).
 *
 * Method: the smaller tail is summed term by term from Loader's saddle-point pmf with the ratio
 * recurrence (every term positive, so the relative error stays near 1e-14), and the larger one is its
 * complement. Summing needs at most about 9 standard deviations of terms, so above
 * {@link DEFAULT_BINOMIAL_SUM_MAX_SD} it uses I_{1−p}(n − k, k + 1) from the incomplete beta (A&S
 * 26.5.24) instead. Why not always the incomplete beta: its continued fraction cancels badly when x is
 * within a few 1e-6 of 1 (e.g. P[X ≤ 5] for n = 1e6, p = 1e-5 loses 5 digits; SciPy's Boost-based
 * value is off by 4.5e-11 there too, checked against mpmath).
 *
 * @example
 * binomialTail(3, 10, 0.5, false); // 0.1718750000000002  (exact: 0.171875)
 */
export function binomialTail(k: number, n: number, p: number, upper: boolean): number {
  assertBinomial(n, p);
  if (upper) {
    k = Math.ceil(k);
    if (k <= 0) return 1;
    if (k > n) return 0;
  } else {
    k = Math.floor(k);
    if (k < 0) return 0;
    if (k >= n) return 1;
  }
  if (p === 0) return upper ? 0 : 1; // X = 0 surely; k is in 1…n (upper) or 0…n−1 (lower) here
  if (p === 1) return upper ? 1 : 0;
  const q = 1 - p;
  const mean = n * p;
  if (Math.sqrt(mean * q) > DEFAULT_BINOMIAL_SUM_MAX_SD) {
    // P[X ≥ k] = I_p(k, n − k + 1); P[X ≤ k] = I_{1−p}(n − k, k + 1)
    return upper ? incompleteBetaPair(k, n - k + 1, p, q)[0] : incompleteBetaPair(n - k, k + 1, q, p)[0];
  }
  if (upper) return k >= mean ? sumUpward(k, n, p, q) : 1 - sumDownward(k - 1, n, p, q);
  return k <= mean ? sumDownward(k, n, p, q) : 1 - sumUpward(k + 1, n, p, q);
}

// Σ_{j ≤ k} pmf(j) for k at or below the mean: terms shrink as j falls.
function sumDownward(k: number, n: number, p: number, q: number): number {
  let term = binomialPmf(k, n, p, q);
  let sum = term;
  const ratio = q / p;
  for (let j = k; j >= 1; j--) {
    term *= (j / (n - j + 1)) * ratio;
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return sum;
}

// Σ_{j ≥ k} pmf(j) for k at or above the mean: terms shrink as j grows.
function sumUpward(k: number, n: number, p: number, q: number): number {
  let term = binomialPmf(k, n, p, q);
  let sum = term;
  const ratio = p / q;
  for (let j = k; j < n; j++) {
    term *= ((n - j) / (j + 1)) * ratio;
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return sum;
}
