import { binomialDeviance } from './binomial-deviance.ts';
import { stirlingError } from './stirling-error.ts';

const LN_2PI = 1.8378770664093456;

/**
 * Binomial probability P[X = k] for X ~ Binomial(n, p), accurate to about 1e-15 relative for any n
 * (saddle-point form, no large log-factorials). `q` = 1 − p may be passed when it is known more
 * exactly than 1 − p. k and n may be non-integer (the continuous extension used by the incomplete
 * beta). C. Loader, "Fast and accurate computation of binomial probabilities" (2000), as R's dbinom_raw.
 *
 * @example
 * binomialPmf(3, 10, 0.5); // 0.11718750000000014
 */
export function binomialPmf(k: number, n: number, p: number, q: number = 1 - p): number {
  if (p === 0) return k === 0 ? 1 : 0;
  if (q === 0) return k === n ? 1 : 0;
  if (k === 0) {
    if (n === 0) return 1;
    return Math.exp(p < 0.1 ? -binomialDeviance(n, n * q) - n * p : n * Math.log(q));
  }
  if (k === n) return Math.exp(q < 0.1 ? -binomialDeviance(n, n * p) - n * q : n * Math.log(p));
  if (k < 0 || k > n) return 0;
  // Derive the two means from the smaller probability so that np + nq = n holds exactly: Loader's
  // formula silently assumes it, and with p + q = 1 + ε it is off by n·ε (1e-11 relative at n = 1e6).
  const np = p <= q ? n * p : n - n * q;
  const nq = n - np;
  const lc = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - binomialDeviance(k, np) - binomialDeviance(n - k, nq);
  // log(2π·k·(n−k)/n); (n − k)/n rather than log1p(−k/n), which loses digits when k is close to n.
  const lf = LN_2PI + Math.log(k) + Math.log((n - k) / n);
  return Math.exp(lc - 0.5 * lf);
}
