import { normalSf } from './normal-sf.ts';

export interface BurstScanOptions {
  /** Longest run of consecutive intervals that counts as a burst (a longer excess is a shift, not a burst). */
  maxRunLength: number;
  /** Family-wise false-positive rate of the scan over every candidate run (Bonferroni). */
  alpha: number;
  /** `binomial`: events are a share of trials (requests above a threshold); `poisson`: a rate (retries per call). */
  variance: 'binomial' | 'poisson';
  /** A burst must at least multiply the rate by this (a practical-significance gate; default 2). */
  minRatio?: number;
  /** A burst needs at least this many events (default 5). */
  minEvents?: number;
  /** At most this many bursts are returned (default 3); `more` says whether further significant runs exist. */
  maxBursts?: number;
}

export interface Burst {
  /** First interval of the run (index into the series) and one past the last. */
  start: number;
  stop: number;
  events: number;
  /** Events expected in the run at the rate of the rest of the series. */
  expected: number;
  /** Rate in the run ÷ rate of the rest. */
  ratio: number;
  /** Freeman–Tukey z of the run against the rest, scaled by the series' robust dispersion. */
  z: number;
  /** Bonferroni-adjusted one-sided p-value over all candidate runs. */
  pValue: number;
}

export interface BurstScanResult {
  bursts: Burst[];
  /** Robust dispersion φ ≥ 1 of single intervals (1.4826·MAD of Freeman–Tukey residuals, squared). */
  dispersion: number;
  /** The same for runs of each length L = 1 … maxRunLength (index L − 1), from the series summed in runs of L. */
  dispersionByLength: number[];
  /** True when more significant bursts existed than `maxBursts` (a bursty series rather than a few incidents). */
  more: boolean;
  /** Number of candidate runs the Bonferroni correction counted. */
  candidates: number;
}

export const DEFAULT_BURST_MIN_RATIO = 2;
export const DEFAULT_BURST_MIN_EVENTS = 5;
export const DEFAULT_MAX_BURSTS = 3;

/**
 * Finds short bursts of excess events in a per-interval series (events k_t out of trials n_t): the runs of at most
 * `maxRunLength` consecutive intervals whose event count is far above what the rest of the series' rate predicts.
 * Each candidate run is compared with the rest by the Freeman–Tukey statistic √Y + √(Y+1) − √(4E+1), which is
 * ≈ N(0, φ_L) under the null of a stable, possibly over-dispersed and autocorrelated rate; φ_L is estimated robustly
 * (MAD) from the series summed in non-overlapping runs of the same length L, so ordinary variation at that time
 * scale (a one-minute GC pause for L = 1, a ten-minute load swing for L = 10) is not a burst, and the bursts
 * themselves do not inflate it. The one-sided p-value of the best run is Bonferroni-adjusted over all
 * candidate runs (T·L of them), so the probability of reporting any burst in a series without one is at most
 * `alpha`; found bursts are masked and the scan repeats, up to `maxBursts`.
 * References: M. F. Freeman & J. W. Tukey, "Transformations related to the angular and the square root",
 * Ann. Math. Statist. 21 (1950) 607–611; J. Glaz, J. Naus & S. Wallenstein, "Scan Statistics" (2001) ch. 1
 * (scan statistics for clusters of events, Bonferroni bounds); P. J. Huber & E. M. Ronchetti, "Robust
 * Statistics" (2nd ed., 2009) §5.1 (the MAD).
 *
 * @example
 * burstScan([4, 5, 3, 40, 4, 6, 5, 4, 3, 5, 4, 6], new Array(12).fill(400), { maxRunLength: 2, alpha: 0.01, variance: 'binomial' }).bursts;
 * // [{ start: 3, stop: 4, events: 40, expected: 4.454545454545455, ratio: 8.979591836734693, z: 8.436795861519197, pValue: 3.7507869438792303e-16 }]
 */
export function burstScan(events: ArrayLike<number>, trials: ArrayLike<number>, options: BurstScanOptions): BurstScanResult {
  const t = events.length;
  if (trials.length !== t) throw new RangeError('burstScan: events and trials must have the same length');
  const maxLen = Math.max(1, Math.floor(options.maxRunLength));
  if (!(options.alpha > 0 && options.alpha < 1)) throw new RangeError(`burstScan: alpha must lie in (0, 1) (got ${options.alpha})`);
  const minRatio = options.minRatio ?? DEFAULT_BURST_MIN_RATIO;
  const minEvents = options.minEvents ?? DEFAULT_BURST_MIN_EVENTS;
  const maxBursts = options.maxBursts ?? DEFAULT_MAX_BURSTS;
  const binomial = options.variance === 'binomial';
  let totalK = 0;
  let totalN = 0;
  for (let i = 0; i < t; i++) {
    totalK += events[i];
    totalN += trials[i];
  }
  const candidates = Math.max(1, t * maxLen - (maxLen * (maxLen - 1)) / 2);
  if (t < 2 || !(totalN > 0) || totalK === 0) return { bursts: [], dispersion: 1, dispersionByLength: new Array<number>(maxLen).fill(1), more: false, candidates };
  const rate0 = totalK / totalN;
  const dispersionByLength = Array.from({ length: maxLen }, (_, i) => robustDispersion(runSums(events, i + 1), runSums(trials, i + 1), rate0, binomial));
  const dispersion = dispersionByLength[0];
  const masked = new Uint8Array(t);
  const bursts: Burst[] = [];
  let more = false;
  for (;;) {
    const best = bestRun(events, trials, masked, maxLen, { minRatio, minEvents, dispersionByLength, binomial });
    if (best === null) break;
    const pValue = Math.min(1, normalSf(best.z) * candidates);
    if (!(pValue < options.alpha)) break;
    if (bursts.length === maxBursts) {
      more = true;
      break;
    }
    bursts.push({ ...best, pValue });
    for (let i = best.start; i < best.stop; i++) masked[i] = 1;
  }
  bursts.sort((a, b) => a.start - b.start);
  return { bursts, dispersion, dispersionByLength, more, candidates };
}

/** The series summed over consecutive non-overlapping runs of `len` (a trailing partial run is left out). */
function runSums(x: ArrayLike<number>, len: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + len <= x.length; i += len) {
    let s = 0;
    for (let j = i; j < i + len; j++) s += x[j];
    out.push(s);
  }
  return out;
}

/** Freeman–Tukey deviation of Y events from E expected: ≈ N(0, 1) for Poisson-like counts. */
function freemanTukey(y: number, e: number): number {
  return Math.sqrt(y) + Math.sqrt(y + 1) - Math.sqrt(4 * e + 1);
}

function robustDispersion(events: ArrayLike<number>, trials: ArrayLike<number>, rate: number, binomial: boolean): number {
  const r: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const n = trials[i];
    if (!(n > 0)) continue;
    const e = rate * n;
    // A binomial count varies less than a Poisson one by (1 − p): scale the Poisson-calibrated deviation back up.
    const scale = binomial ? Math.sqrt(Math.max(1e-12, 1 - rate)) : 1;
    r.push(freemanTukey(events[i], e) / scale);
  }
  if (r.length < 3) return 1;
  const med = median(r);
  const mad = median(r.map((x) => Math.abs(x - med)));
  const sd = 1.4826 * mad;
  return Math.max(1, sd * sd);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface RunCandidate {
  start: number;
  stop: number;
  events: number;
  expected: number;
  ratio: number;
  z: number;
}

function bestRun(
  events: ArrayLike<number>,
  trials: ArrayLike<number>,
  masked: Uint8Array,
  maxLen: number,
  o: { minRatio: number; minEvents: number; dispersionByLength: number[]; binomial: boolean },
): RunCandidate | null {
  const t = events.length;
  let restK = 0;
  let restN = 0;
  for (let i = 0; i < t; i++) {
    if (masked[i]) continue;
    restK += events[i];
    restN += trials[i];
  }
  let best: RunCandidate | null = null;
  for (let start = 0; start < t; start++) {
    let k = 0;
    let n = 0;
    for (let stop = start + 1; stop <= Math.min(t, start + maxLen); stop++) {
      if (masked[stop - 1]) break;
      k += events[stop - 1];
      n += trials[stop - 1];
      const otherN = restN - n;
      if (!(n > 0) || !(otherN > 0) || k < o.minEvents) continue;
      const rate = (restK - k) / otherN;
      const expected = rate * n;
      const ratio = expected > 0 ? k / expected : Infinity;
      if (ratio < o.minRatio) continue;
      const scale = o.binomial ? Math.sqrt(Math.max(1e-12, 1 - rate)) : 1;
      const z = freemanTukey(k, expected) / (scale * Math.sqrt(o.dispersionByLength[stop - start - 1]));
      if (best === null || z > best.z) best = { start, stop, events: k, expected, ratio, z };
    }
  }
  return best;
}
