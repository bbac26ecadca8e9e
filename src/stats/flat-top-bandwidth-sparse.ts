/**
 * flatTopBandwidth's rule for series that are mostly exact zeros (per-block residuals of a quiet endpoint: a few
 * requests in a window of a hundred blocks or more), in time proportional to the non-zero values per lag instead
 * of the series' length. At 100 000 endpoints the dense lagged sums over every block were the largest single cost
 * of the analysis (issue 12).
 *
 * The result must be the dense rule's, exactly. The rule only compares autocorrelations with a bound, so the
 * sums need not be bit for bit the same, only far enough from the bound: every term of a lagged sum is the same
 * floating-point product in both versions (the demeaned values are the same subtractions), only the order and
 * grouping of the additions differ, and any order of adding N terms is within (N − 1)·u·Σ|term| of the exact sum
 * (u = 2⁻⁵³; N. J. Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed. (2002) §4.2). A comparison
 * closer to the bound than both versions' error together is not decided here: the caller then runs the dense rule.
 */

/** The rule's constants for a pooled length `n` (shared with the dense version, which must use the same). */
export interface BandwidthRule {
  knInt: number;
  mMax: number;
  /** Autocorrelations below this in magnitude are "quiet". */
  bound: number;
  /** Lags the rule may look at: 0 … lags − 1. */
  lags: number;
}

export function bandwidthRule(n: number): BandwidthRule {
  const kn = Math.max(5, Math.sqrt(Math.log10(n)));
  const knInt = Math.ceil(kn);
  const mMax = Math.min(Math.ceil(Math.sqrt(n)) + knInt, Math.floor(n / 4));
  return { knInt, mMax, bound: 2 * Math.sqrt(Math.log10(n) / n), lags: mMax + knInt + 1 };
}

/** A series is tried sparse only when at most this share of its values are non-zero (else dense is as fast). */
const MAX_DENSITY = 0.25;
/** Generous multiple of the error bound (it covers the division by γ̂(0) and the demeaning too). */
const SAFETY = 8;
const EPS = Number.EPSILON;

/**
 * The bandwidth of flatTopBandwidth for `series` of pooled length `n` ≥ its minimum, or null when the sparse sums
 * cannot decide every comparison the rule makes (dense series, non-finite values, a sum too close to the bound).
 */
export function sparseFlatTopBandwidth(series: ReadonlyArray<ArrayLike<number>>, n: number, rule: BandwidthRule, candidates?: ReadonlyArray<ArrayLike<number>>): number | null {
  if (series.length > MAX_SERIES) return null;
  for (let s = 0; s < series.length; s++) {
    const x = series[s];
    const at = nonZeroScratch(s, x.length);
    let count = 0;
    // The same additions in the same order as the dense mean (adding an exact zero changes nothing). With
    // `candidates` only those positions are read (the series is 0 elsewhere): the same non-zero values, in order.
    const only = candidates?.[s];
    const length = only ? only.length : x.length;
    let mean = 0;
    for (let c = 0; c < length; c++) {
      const i = only ? only[c] : c;
      const v = x[i];
      if (v !== 0) {
        if (!Number.isFinite(v) || count >= MAX_DENSITY * x.length) return null;
        at[count++] = i;
        mean += v;
      }
    }
    mean /= x.length || 1;
    if (!Number.isFinite(mean)) return null;
    NON_ZERO_COUNTS[s] = count;
    MEANS[s] = mean;
  }
  laggedSum(series, 0);
  const g0 = SUM.sum;
  const g0Abs = SUM.abs;
  if (g0 === 0 && g0Abs === 0) return 0; // every demeaned value exactly 0: the dense γ̂(0) is 0 too
  const tolerance = (abs: number) => SAFETY * n * EPS * abs;
  const g0Low = g0 - tolerance(g0Abs);
  if (!(g0Low > 0)) return null;
  const g0High = g0 + tolerance(g0Abs);
  const { bound } = rule;
  // The rule's loop asks about a lag up to K_N times: each is decided once (-1 not yet, 0 quiet, 1 not quiet).
  const decided = decidedScratch(rule.lags);
  return bandwidthOfQuietRun(rule, (k) => {
    if (decided[k] < 0) {
      laggedSum(series, k);
      const low = Math.abs(SUM.sum) - tolerance(SUM.abs);
      const high = Math.abs(SUM.sum) + tolerance(SUM.abs);
      if (high < bound * g0Low * (1 - SAFETY * EPS)) decided[k] = 0;
      else if (low > bound * g0High * (1 + SAFETY * EPS)) decided[k] = 1;
      else return null;
    }
    return decided[k] === 0;
  });
}

/**
 * Per-call state in arrays reused from call to call (called per quantile and endpoint: fresh arrays were garbage
 * at 100 000 endpoints): the non-zero positions and mean of each series, and the last lagged sum.
 */
const MAX_SERIES = 8;
const NON_ZERO: Int32Array[] = [];
const NON_ZERO_COUNTS = new Int32Array(MAX_SERIES);
const MEANS = new Float64Array(MAX_SERIES);
const SUM = { sum: 0, abs: 0 };
let DECIDED = new Int8Array(0);

function decidedScratch(lags: number): Int8Array {
  if (DECIDED.length < lags) DECIDED = new Int8Array(Math.max(lags, 256));
  return DECIDED.fill(-1, 0, lags);
}

function nonZeroScratch(slot: number, length: number): Int32Array {
  let a = NON_ZERO[slot];
  if (a === undefined || a.length < length) {
    a = new Int32Array(Math.max(length, 256));
    NON_ZERO[slot] = a;
  }
  return a;
}

/**
 * The rule itself: m̂ is the first lag j ≥ 1 that starts a run of K_N quiet lags (m_max when none does), the
 * bandwidth min(2·m̂, m_max). `quiet(k)` says whether lag k is quiet, or null when it cannot tell (then so does this).
 */
export function bandwidthOfQuietRun(rule: BandwidthRule, quiet: (k: number) => boolean | null): number | null {
  const { knInt, mMax, lags } = rule;
  let mHat = mMax;
  for (let j = 1; j + knInt - 1 < lags; j++) {
    let allQuiet = true;
    for (let k = j; k < j + knInt; k++) {
      const q = quiet(k);
      if (q === null) return null;
      if (!q) {
        allQuiet = false;
        break;
      }
    }
    if (allQuiet) {
      mHat = j;
      break;
    }
  }
  return Math.min(2 * mHat, mMax);
}

/**
 * Σ over series of Σ_t d_t·d_{t+k} with d = x − mean (never across series), from the non-zero values: a pair with
 * a non-zero end is summed as a product; the pairs of two zeros are each (−mean)·(−mean), added as one multiple.
 * Also Σ|term|, for the error bound. Into SUM.
 */
function laggedSum(series: ReadonlyArray<ArrayLike<number>>, k: number): void {
  let sum = 0;
  let abs = 0;
  for (let s = 0; s < series.length; s++) {
    const x = series[s];
    const length = x.length;
    if (k >= length) continue;
    const mean = MEANS[s];
    const zero = 0 - mean;
    const at = NON_ZERO[s];
    const count = NON_ZERO_COUNTS[s];
    let withNonZero = 0;
    for (let i = 0; i < count; i++) {
      const t = at[i];
      const d = x[t] - mean;
      // The pair (t, t + k): its later end is zero or non-zero (a non-zero one is counted here, once).
      if (t + k < length) {
        const other = x[t + k];
        const term = d * (other !== 0 ? other - mean : zero);
        sum += term;
        abs += Math.abs(term);
        withNonZero++;
      }
      // The pair (t − k, t) when its earlier end is zero (k > 0; at k = 0 it is the pair above).
      if (k > 0 && t - k >= 0 && x[t - k] === 0) {
        const term = zero * d;
        sum += term;
        abs += Math.abs(term);
        withNonZero++;
      }
    }
    const zeroPairs = length - k - withNonZero;
    const square = zero * zero;
    sum += zeroPairs * square;
    abs += zeroPairs * square;
  }
  SUM.sum = sum;
  SUM.abs = abs;
}
