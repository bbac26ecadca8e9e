import { flatTopLagWindow } from './flat-top-lag-window.ts';

export interface LongRunVarianceResult {
  /** Σ_{|k|≤M} λ(k/M)·γ̂(k): the spectral density at frequency 0 times 2π (may be ≤ 0 in small samples). */
  longRunVariance: number;
  /** N·longRunVariance: the variance of the series' sum Σ x_t, robust to autocorrelation up to about M/2 lags. */
  varianceOfSum: number;
  /**
   * varianceOfSum·N/(N − W), W = Σ_{|k|≤M} λ(k/M): removes the downward bias that estimating the mean leaves in
   * every autocovariance (each is low by about LRV/N), the lag-window analogue of the n/(n − 1) of a sample
   * variance (W = 1 at M = 0) and of G/(G − 1) for G batch means. Infinity when N ≤ W (too short to tell).
   */
  varianceOfSumCorrected: number;
  /**
   * Equivalent degrees of freedom of the estimate, N / Σ_{|k|≤M} λ(k/M)² (the zero-frequency value of a
   * lag-window spectral estimate; Priestley 1981 §6.2.4): for a t reference in place of the normal one.
   */
  degreesOfFreedom: number;
}

/**
 * Long-run variance of a series by the flat-top lag-window estimator with bandwidth M (choose M with
 * {@link flatTopBandwidth}): the autocovariances γ̂(k) = (1/N)·Σ (x_t − x̄)(x_{t+k} − x̄) weighted by the
 * trapezoidal flat-top window. With M = 0 it is the plain variance γ̂(0) (independent observations).
 * It is the heteroskedasticity-and-autocorrelation-consistent (HAC) variance of Newey & West (1987) with the
 * flat-top kernel of Politis & Romano (1995) in place of Bartlett's, which removes the kernel's bias from
 * correlations within M/2 lags.
 * References: D. N. Politis & J. P. Romano, J. Time Series Analysis 16 (1995) 67–103; M. B. Priestley,
 * "Spectral Analysis and Time Series" (1981) §6.2.4 (degrees of freedom) and §5.3 (the bias of autocovariances
 * about an estimated mean).
 *
 * @example
 * longRunVariance([1, 2, 3, 2, 1, 2, 3, 2], 2);
 * // { longRunVariance: 0.5, varianceOfSum: 4, varianceOfSumCorrected: 6.4, degreesOfFreedom: 2.6666666666666665 }
 */
export function longRunVariance(series: ArrayLike<number>, bandwidth: number, nonZero?: ArrayLike<number>): LongRunVarianceResult {
  const n = series.length;
  if (n === 0) return { longRunVariance: 0, varianceOfSum: 0, varianceOfSumCorrected: 0, degreesOfFreedom: 0 };
  if (!(bandwidth >= 0) || !Number.isInteger(bandwidth)) throw new RangeError(`longRunVariance: bandwidth must be an integer ≥ 0 (got ${bandwidth})`);
  // `nonZero`: ascending positions outside which the series is exactly 0, so the mean is summed over them alone (the
  // same additions in the same order: adding an exact zero changes no sum). The autocovariances need every value.
  let mean = 0;
  if (nonZero) for (let j = 0; j < nonZero.length; j++) mean += series[nonZero[j]];
  else for (let i = 0; i < n; i++) mean += series[i];
  mean /= n;
  let lrv = 0;
  let weights = 0;
  let windowSum = 0;
  const m = Math.min(bandwidth, n - 1);
  for (let k = 0; k <= m; k++) {
    const w = m === 0 ? 1 : flatTopLagWindow(k / bandwidth);
    if (w === 0) continue;
    let g = 0;
    for (let t = 0; t + k < n; t++) g += (series[t] - mean) * (series[t + k] - mean);
    g /= n;
    lrv += (k === 0 ? 1 : 2) * w * g;
    weights += (k === 0 ? 1 : 2) * w * w;
    windowSum += (k === 0 ? 1 : 2) * w;
  }
  const varianceOfSum = n * lrv;
  const varianceOfSumCorrected = n > windowSum ? (varianceOfSum * n) / (n - windowSum) : Infinity;
  return { longRunVariance: lrv, varianceOfSum, varianceOfSumCorrected, degreesOfFreedom: n / weights };
}
