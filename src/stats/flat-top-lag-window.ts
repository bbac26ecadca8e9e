/**
 * The trapezoidal flat-top lag window of Politis & Romano (1995): λ(x) = 1 for |x| ≤ ½, 2(1 − |x|) for
 * ½ < |x| ≤ 1, and 0 beyond. Flat near zero, so autocovariances inside half the bandwidth get full weight and
 * the long-run variance estimate has no first-order bias from them (unlike Bartlett's triangle).
 * Reference: D. N. Politis & J. P. Romano, "Bias-corrected nonparametric spectral estimation", J. Time Series
 * Analysis 16 (1995) 67–103.
 *
 * @example
 * flatTopLagWindow(0.25); // 1
 * flatTopLagWindow(0.75); // 0.5
 */
export function flatTopLagWindow(x: number): number {
  const a = Math.abs(x);
  if (a <= 0.5) return 1;
  if (a <= 1) return 2 * (1 - a);
  return 0;
}
