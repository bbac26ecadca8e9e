import { bandwidthOfQuietRun, bandwidthRule, sparseFlatTopBandwidth, type BandwidthRule } from './flat-top-bandwidth-sparse.ts';

/**
 * Data-driven bandwidth M of the flat-top lag window (Politis 2003's empirical rule, as used by the automatic
 * block-length selection of Politis & White 2004 / Patton, Politis & White 2009): m̂ is the first lag j ≥ 1
 * that starts a run of K_N = max(5, √log₁₀ N) autocorrelations all smaller in magnitude than 2·√(log₁₀ N / N),
 * and M = 2·m̂, at most m_max = ⌈√N⌉ + K_N (and at most N/4 so every lag has data). With several series
 * (e.g. the before and after windows of one metric, which share a dependence structure but not a mean) the
 * autocorrelations are pooled: each series is demeaned on its own, lagged products never cross from one series
 * into the next, and N is the total length. Conventions follow Patton's reference code (opt_block_length_REV_dec07).
 * References: D. N. Politis, "Adaptive bandwidth choice", J. Time Series Analysis 24 (2003) 517–533;
 * D. N. Politis & H. White, Econometric Reviews 23 (2004) 53–70; A. Patton, D. N. Politis & H. White,
 * Econometric Reviews 28 (2009) 372–375.
 *
 * Returns 0 when the series are too short to estimate any dependence (N < 20) or have no variation.
 * `candidates` (optional, one per series): ascending positions outside which the series is exactly 0, so that the
 * search for its non-zero values need not read the rest (the same result either way).
 *
 * @example
 * flatTopBandwidth([[1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1]]); // 5 (never quiet: the cap N/4)
 */
export function flatTopBandwidth(series: ReadonlyArray<ArrayLike<number>>, candidates?: ReadonlyArray<ArrayLike<number>>): number {
  const n = series.reduce((s, x) => s + x.length, 0);
  if (n < MIN_LENGTH) return 0;
  const rule = bandwidthRule(n);
  // Mostly zeros (a quiet endpoint's blocks): the same answer from the non-zero values alone, when it is certain.
  const sparse = sparseFlatTopBandwidth(series, n, rule, candidates);
  if (sparse !== null) return sparse;
  return denseFlatTopBandwidth(series, n, rule);
}

/** The rule over every value of the series (what sparseFlatTopBandwidth must agree with; exported for its tests). */
export function denseFlatTopBandwidth(series: ReadonlyArray<ArrayLike<number>>, n: number, rule: BandwidthRule = bandwidthRule(n)): number {
  const { bound, lags } = rule;
  const demeaned = series.map((x, slot) => demean(x, slot));
  const gamma0 = laggedSum(demeaned, 0);
  if (!(gamma0 > 0)) return 0;
  // Autocorrelations on demand: the rule stops at the first quiet run, which for independent blocks is lag 1, so
  // most series need K_N lags instead of all m_max + K_N (the same sums, computed once each).
  const rho = scratch(series.length, lags).fill(Number.NaN);
  const rhoAt = (k: number): number => {
    if (Number.isNaN(rho[k])) rho[k] = laggedSum(demeaned, k) / gamma0;
    return rho[k];
  };
  return bandwidthOfQuietRun(rule, (k) => Math.abs(rhoAt(k)) < bound) as number;
}

/** Shorter pooled series cannot tell dependence from noise (the rule's bound is ~0.5 there). */
const MIN_LENGTH = 20;

/**
 * Arrays reused from call to call (slot k: the k-th series demeaned; one slot past them: the autocorrelations):
 * nothing outlives a call, and called per quantile and endpoint at 100 000 endpoints, fresh arrays (a kilobyte
 * each, outside the JS heap) were much of the garbage collector's work (issue 12).
 */
const SCRATCH: Float64Array[] = [];

function scratch(slot: number, length: number): Float64Array {
  let a = SCRATCH[slot];
  if (a === undefined || a.length !== length) {
    a = new Float64Array(length);
    SCRATCH[slot] = a;
  }
  return a;
}

function demean(x: ArrayLike<number>, slot: number): Float64Array {
  const out = scratch(slot, x.length);
  for (let i = 0; i < out.length; i++) out[i] = x[i];
  let mean = 0;
  for (let i = 0; i < out.length; i++) mean += out[i];
  mean /= out.length || 1;
  for (let i = 0; i < out.length; i++) out[i] -= mean;
  return out;
}

/** Σ over series of Σ_t x_t·x_{t+k}, never across series boundaries. */
function laggedSum(series: Float64Array[], k: number): number {
  let s = 0;
  for (const x of series) for (let t = 0; t + k < x.length; t++) s += x[t] * x[t + k];
  return s;
}
