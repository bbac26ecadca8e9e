/**
 * How much the time clustering of telemetry inflates the variance of a count, per window: the design effect
 * d = Var(count) / Var(count | independent observations), at least 1, with the degrees of freedom it was estimated
 * with. Requests are not independent evidence — load swings, GC pauses, noisy neighbours and retry storms make
 * whole minutes (or ten-minute stretches) slow or fast together — and a test that counts each request as
 * independent is too sure of itself by exactly this factor (1 + (m − 1)ρ for m requests per correlated stretch).
 *
 * Method: the per-block residual series e_t = k_t − λ̂·n_t of each window (k_t events out of n_t in block t, λ̂ the
 * pooled rate under "no change"), its long-run variance by the flat-top lag-window estimator with Politis' data-
 * driven bandwidth (pooled over both windows: the same service, the same dependence, possibly different means),
 * corrected for the estimated mean; the variance under independence is binomial (shares) or Poisson (rates).
 * The bandwidth follows the data: none for independent blocks, past ten lags for ten-minute load swings. The
 * design effect is floored at 1 (less variance than independence is noise, not information), so independent data
 * keep their exact tests unchanged.
 * References: L. Kish, "Survey Sampling" (1965) §8.2 (the design effect); J. N. K. Rao & A. J. Scott, Biometrics
 * 48 (1992) 577–585 (using it to adjust tests); D. N. Politis, J. Time Series Analysis 24 (2003) 517–533 (the
 * bandwidth); see src/stats/long-run-variance.ts for the estimator.
 */
import { flatTopBandwidth, longRunVariance } from '../stats/index.ts';
import { ScratchArrays } from './scratch-arrays.ts';

export interface WindowDesign {
  /** ≥ 1; exactly 1 when the data show no excess variance (or carry no blocks). */
  designEffect: number;
  /** Degrees of freedom of the design effect's estimate; Infinity when it is 1 (the independent variance is known). */
  df: number;
}

export interface DesignEstimate {
  before: WindowDesign;
  after: WindowDesign;
  /** Flat-top bandwidth M in blocks (dependence is measured up to about M/2 blocks apart); null without blocks. */
  bandwidth: number | null;
  /**
   * Set when both windows' design effects come from ONE estimate (a seasonal baseline: the after window's is
   * predicted from the reference periods' spread): the degrees of freedom of a comparison of the two. A
   * Welch–Satterthwaite combination of the per-window df would count that one estimate twice (up to 2(G − 1)).
   */
  jointDf?: number;
}

export const INDEPENDENT: WindowDesign = { designEffect: 1, df: Infinity };
/** designEffects' residual series of the two windows (slots 0 and 1), which no estimate keeps. */
const RESIDUALS = new ScratchArrays();
const NO_BLOCKS: DesignEstimate = { before: INDEPENDENT, after: INDEPENDENT, bandwidth: null };

/** Per-block events and trials of one window. */
export interface BlockSeries {
  events: Float64Array;
  trials: Float64Array;
  /** The window is K reference periods (seasonal baseline): see CentredSums.clusters. */
  periods?: ReferencePeriods;
  /**
   * The blocks (ascending) outside which events and trials are all exactly 0 (time-blocks.ts occupiedBlocks): the
   * residuals are then made and summed over these alone, with the same results (a quiet endpoint's few requests in
   * a window of hundreds of blocks, issue 12).
   */
  occupied?: Uint32Array;
}

/**
 * The reference side of a seasonal baseline: consecutive periods of `size` blocks, and which variance of a period
 * total the comparison uses (decided per service from all of its comparisons, period-effect.ts):
 * - `between`: the spread of the periods' totals (CR1, G − 1 df), which takes in a period-level effect (a slow day,
 *   a traffic-mix change) that nothing inside a period can see;
 * - `within`: the variance inside the periods (withinPeriodDesign, many df), when the service's periods were found
 *   to differ by no more than that noise;
 * - a function: `between`, and each comparison's evidence of a period effect is handed to it (the first pass).
 */
export interface ReferencePeriods {
  size: number;
  variance: 'between' | 'within' | ((evidence: PeriodEvidence) => void);
  /**
   * Blocks [0, levelBlocks) are the baseline periods; the blocks after them are older periods that only measure
   * the period-to-period variance (a variance history: `--variance-periods`). A comparison's block series then
   * span both, its totals and independent variance only the baseline. Absent: every period is both.
   */
  levelBlocks?: number;
}

/** One comparison's evidence of a period effect: between ÷ within variance, F(df1, df2) without one. */
export interface PeriodEvidence {
  ratio: number;
  df1: number;
  df2: number;
}

/**
 * Design effects of an event count in both windows: events are a share of trials (`binomial`: requests above a
 * threshold) or a rate per exposure (`poisson`: retries per call). `rate` is the pooled rate under the null.
 */
export function designEffects(before: BlockSeries | null, after: BlockSeries | null, rate: number, kind: 'binomial' | 'poisson'): DesignEstimate {
  if (!before || !after) return NO_BLOCKS;
  // A plain loop: Float64Array.from with a map callback was a fifth of the analysis time at 16 000 endpoints. Into
  // scratch arrays (one per window): the estimate keeps only numbers, and a fresh array per call was much of the
  // garbage at 100 000 endpoints (issue 12).
  // Over the occupied blocks alone when they are known: an empty block's residual is 0 − rate·0 = +0 for any finite
  // rate, which the zero-filled scratch array already holds, and adding its zero trials changes no sum.
  const residual = (s: BlockSeries, at: Uint32Array | null, slot: number) => {
    const out = RESIDUALS.zeros(slot, s.events.length);
    if (at === null) for (let t = 0; t < out.length; t++) out[t] = s.events[t] - rate * s.trials[t];
    else
      for (let j = 0; j < at.length; j++) {
        const t = at[j];
        out[t] = s.events[t] - rate * s.trials[t];
      }
    return out;
  };
  const independent = (s: BlockSeries, at: Uint32Array | null) => {
    let trials = 0;
    // Of the baseline's total: the blocks of a variance history are not part of it (ReferencePeriods.levelBlocks).
    const end = Math.min(s.trials.length, s.periods?.levelBlocks ?? Infinity);
    if (at === null) for (let t = 0; t < end; t++) trials += s.trials[t];
    else for (let j = 0; j < at.length && at[j] < end; j++) trials += s.trials[at[j]];
    return kind === 'binomial' ? trials * rate * (1 - rate) : trials * rate;
  };
  const sums = (s: BlockSeries, slot: number): CentredSums => {
    const at = s.occupied !== undefined && Number.isFinite(rate) ? s.occupied : null;
    return {
      sums: residual(s, at, slot),
      independentVariance: independent(s, at),
      ...(at !== null ? { nonZero: at } : {}),
      ...(s.periods ? { clusters: { periods: s.periods, weights: s.trials } } : {}),
    };
  };
  return designEffectsOfSums(sums(before, 0), sums(after, 1));
}

/** One window's per-block sums of centred scores and the variance their total would have if observations were independent. */
export interface CentredSums {
  sums: Float64Array;
  independentVariance: number;
  /** Ascending positions outside which every sum is exactly 0 (BlockSeries.occupied), for the bandwidth search. */
  nonZero?: Uint32Array;
  /**
   * The blocks form consecutive clusters of `size` blocks (the K reference periods of a seasonal baseline), and
   * `weights` are the per-block observation counts. Then the variance of the total is measured between clusters
   * (cluster-robust, see clusterDesign), which takes in the period-to-period variation the blocks cannot see.
   */
  clusters?: { periods: ReferencePeriods; weights: Float64Array };
}

/**
 * Design effect of a window made of G independent clusters (reference days or weeks): the cluster-robust
 * ("sandwich") variance of the total, V = G/(G − 1) · Σ_g (E_g − W_g·ē)² with E_g the cluster's sum of centred
 * scores, W_g its observations and ē = ΣE/ΣW (the CR1 small-sample factor), over clusters that have observations,
 * with G − 1 degrees of freedom for a t reference. Any dependence inside a period (load swings, minute-to-minute
 * noise) and the level shift between periods are both in the spread of the cluster totals, so nothing has to be
 * modelled; the price is few degrees of freedom, which is exactly the honesty asked for: three reference days
 * are three observations of "a normal day", not 400 000 requests.
 * References: K.-Y. Liang & S. L. Zeger, Biometrika 73 (1986) 13–22 (cluster-robust variance); A. C. Cameron &
 * D. L. Miller, J. Human Resources 50 (2015) 317–372, §VI (few clusters: CR1 with a t(G − 1) reference);
 * W. R. Bell & D. F. McCaffrey, Survey Methodology 28 (2002) 169–181.
 * Null when fewer than two clusters hold observations (the period-to-period variation cannot be measured).
 */
export function clusterDesign(sums: Float64Array, weights: Float64Array, size: number, independentVariance: number): { designEffect: number; df: number; meanWeight: number } | null {
  const groups = Math.ceil(sums.length / size);
  const e: number[] = [];
  const w: number[] = [];
  for (let g = 0; g < groups; g++) {
    let se = 0;
    let sw = 0;
    for (let t = g * size; t < Math.min(sums.length, (g + 1) * size); t++) {
      se += sums[t];
      sw += weights[t];
    }
    if (sw > 0) {
      e.push(se);
      w.push(sw);
    }
  }
  const G = e.length;
  if (G < 2 || !(independentVariance > 0)) return null;
  const totalWeight = w.reduce((a, b) => a + b, 0);
  const mean = e.reduce((a, b) => a + b, 0) / totalWeight;
  let ss = 0;
  for (let g = 0; g < G; g++) ss += (e[g] - w[g] * mean) ** 2;
  return { designEffect: ((G / (G - 1)) * ss) / independentVariance, df: G - 1, meanWeight: totalWeight / G };
}

/**
 * Design effect of a window made of G periods measured WITHIN the periods, with the clock-time profile taken out:
 * each block's centred sum minus the mean of the same clock block over the G periods (the daily load ramp is the
 * same every period, so it cancels, as it does in the comparison), then each period's long-run variance of those
 * residuals about its own mean (flat-top, pooled bandwidth), summed over the periods and scaled by G/(G − 1) for
 * the profile's estimated mean. It is the variance the period totals would have if periods differed only by
 * within-period noise (sampling and minute-to-minute dependence), i.e. without a period-level effect, and it has
 * the many degrees of freedom of G × (blocks per period) block values where the between-period spread has G − 1.
 * This is the within-group mean square of the one-way random-effects model (H. Scheffé, "The Analysis of
 * Variance" (1959) §7.2), computed with a lag window because blocks inside a period are not independent.
 * Null with fewer than two periods holding observations or fewer than two blocks per period.
 */
export function withinPeriodDesign(sums: Float64Array, weights: Float64Array, size: number, independentVariance: number): { designEffect: number; df: number } | null {
  if (size < 2 || !(independentVariance > 0)) return null;
  const groups = Math.ceil(sums.length / size);
  const used: number[] = [];
  for (let g = 0; g < groups; g++) {
    let sw = 0;
    for (let t = g * size; t < Math.min(sums.length, (g + 1) * size); t++) sw += weights[t];
    if (sw > 0) used.push(g);
  }
  const G = used.length;
  if (G < 2) return null;
  // First each period about its own mean score per observation (e_t − n_t·E_g/W_g): a period's level shift is the
  // between-period part, and left in it would follow the load inside the period (more requests at the peak, so a
  // larger share of the shift) and read as dependence within the period.
  const centred = used.map((g) => {
    const start = g * size;
    const length = Math.min(size, sums.length - start);
    let se = 0;
    let sw = 0;
    for (let t = 0; t < length; t++) {
      se += sums[start + t];
      sw += weights[start + t];
    }
    const out = new Float64Array(length);
    for (let t = 0; t < length; t++) out[t] = sums[start + t] - (weights[start + t] * se) / sw;
    return out;
  });
  const profile = new Float64Array(size);
  const present = new Float64Array(size);
  for (const c of centred) {
    for (let t = 0; t < c.length; t++) {
      profile[t] += c[t];
      present[t]++;
    }
  }
  for (let t = 0; t < size; t++) if (present[t] > 0) profile[t] /= present[t];
  const residuals = centred.map((c) => c.map((v, t) => v - profile[t]));
  const bandwidth = flatTopBandwidth(residuals);
  let variance = 0;
  let df = 0;
  for (const r of residuals) {
    if (r.length < 2) continue;
    let lrv = longRunVariance(r, Math.min(bandwidth, r.length - 1));
    if (!Number.isFinite(lrv.varianceOfSumCorrected)) lrv = longRunVariance(r, 0);
    variance += lrv.varianceOfSumCorrected;
    df += lrv.degreesOfFreedom;
  }
  if (!(df > 0)) return null;
  // Subtracting a profile averaged over G periods leaves (G − 1)/G of each block's variance, and uses up one
  // block value in G of the degrees of freedom.
  return { designEffect: ((G / (G - 1)) * variance) / independentVariance, df: (df * (G - 1)) / G };
}

/**
 * The general form: design effects of a total Σ_t s_t in each window, given the per-block sums of centred scores
 * (residuals of counts, or centred placement values of a rank test) and the total's variance under independence.
 */
export function designEffectsOfSums(before: CentredSums, after: CentredSums): DesignEstimate {
  const bandwidth = flatTopBandwidth([before.sums, after.sums], before.nonZero && after.nonZero ? [before.nonZero, after.nonZero] : undefined);
  const one = ({ sums, independentVariance, nonZero }: CentredSums): WindowDesign => {
    if (!(independentVariance > 0) || sums.length < 2) return INDEPENDENT;
    let lrv = longRunVariance(sums, Math.min(bandwidth, sums.length - 1), nonZero);
    // A window too short for the pooled bandwidth (fewer blocks than the lag window's weight) still has its
    // block-to-block variance: measure that rather than assume independence.
    if (!Number.isFinite(lrv.varianceOfSumCorrected)) lrv = longRunVariance(sums, 0, nonZero);
    const d = lrv.varianceOfSumCorrected / independentVariance;
    return d > 1 && Number.isFinite(d) ? { designEffect: d, df: lrv.degreesOfFreedom } : INDEPENDENT;
  };
  const clusters = before.clusters;
  // With a variance history (older periods after the baseline's blocks) the spread is measured over every period,
  // against the variance those periods' observations would have if independent (the same per observation).
  const history = clusters ? historyOf(clusters, before.independentVariance) : null;
  const independentVariance = history ? history.independentVariance : before.independentVariance;
  const between = clusters && independentVariance > 0 ? clusterDesign(before.sums, clusters.weights, clusters.periods.size, independentVariance) : null;
  if (!clusters || !between) return { before: one(before), after: one(after), bandwidth };
  // Seasonal baseline. The reference side is floored at 1 like the rest, but keeps the degrees of freedom of the
  // estimate it came from: a spread of three days that happens to come out below the binomial one is not a known
  // variance (with df = Infinity a plain z test would follow, as sure of itself as if the periods had been thousands).
  // Which variance of a period total (ReferencePeriods.variance). Under the one-way random-effects model a period
  // total varies by σ²_within + σ²_period. The spread between the periods estimates both, on G − 1 df: three days
  // give a t(2) test, which rarely finds a +20 % p99 once the report's false-discovery control is applied (50 % on
  // steady days). When the service's periods differ by no more than their within-period noise, σ²_period is
  // taken as 0 and σ²_within, measured on every block of every period, is used with its many df. Deciding that
  // per comparison (the larger of the two estimates) was tried and is liberal: a real day effect that three days
  // happen to under-show is then missed in every comparison at once (warn rates 25–33 % where 3 % was right), so
  // the decision is one per service over all its comparisons (period-effect.ts).
  const mode = clusters.periods.variance;
  // The default (`between`) needs no within-period estimate: it is a bandwidth search and a long-run variance per
  // period per comparison, so it is made only when the check asks for it or uses it.
  const within = mode === 'between' ? null : withinPeriodDesign(before.sums, clusters.weights, clusters.periods.size, independentVariance);
  const usable = within !== null && within.designEffect > 0 && Number.isFinite(within.designEffect) && Number.isFinite(between.designEffect);
  if (typeof mode === 'function' && usable) mode({ ratio: between.designEffect / within.designEffect, df1: between.df, df2: within.df });
  const chosen = mode === 'within' && usable ? within : between;
  const excess = chosen.designEffect > 1 && Number.isFinite(chosen.designEffect);
  // Measured over a variance history, the design effect is that of a total of history.periods periods of
  // between.meanWeight observations each; the baseline's periods hold history.levelMeanWeight each on average, and
  // the between-period part of the variance grows with the square of a period's size, the independent part with
  // its size: d − 1 scales with the observations per period (as for the after window below).
  const levelDesign = history && excess ? 1 + ((chosen.designEffect - 1) * history.levelMeanWeight) / between.meanWeight : chosen.designEffect;
  const reference: WindowDesign = { designEffect: excess ? levelDesign : 1, df: chosen.df };
  // The after window is one more period: under "no change" today is a draw from the same period-to-period
  // distribution, so its variance has the same between-period part (a prediction, not a comparison of two fixed
  // days). Per observation that part is (d − 1)/n̄ of the binomial/Poisson variance, so a period of n_a
  // observations has d_a = 1 + (d − 1)·n_a/n̄. It is the same estimate with the same degrees of freedom (G − 1 for
  // the between spread), so the interval of the change is t(df)·√(v_after + v_reference), as for a t prediction
  // interval (x̄ ± t_{G−1} s √(1 + 1/G)).
  // The after window's own block-to-block variance is NOT used (not even as a floor): inside the clock window the
  // load follows the daily cycle, so the per-block residuals around the window's one mean trend with it, and a
  // long-run variance reads that trend as dependence (design effects of 15–45 at the pooled p99 of a queueing
  // tail, with 2–3 df). That profile is the same on every period and cancels in the comparison; what does not
  // cancel — a period's level shift and its within-period dependence — is already in the spread of the reference
  // periods' totals, which is the variance of "one more period" under the null.
  if (!after.clusters) return { before: reference, after: one(after), bandwidth };
  let na = 0;
  for (let t = 0; t < after.clusters.weights.length; t++) na += after.clusters.weights[t];
  const d = excess ? 1 + ((chosen.designEffect - 1) * na) / between.meanWeight : 1;
  const afterDesign: WindowDesign = { designEffect: d, df: chosen.df };
  return { before: reference, after: afterDesign, bandwidth, jointDf: chosen.df };
}

/**
 * A seasonal reference side with a variance history: the independent variance of every period's observations
 * (the baseline's, scaled by observations: it is the same per observation) and the baseline periods' mean size.
 * Null without a history, or when the baseline holds no observation.
 */
function historyOf(clusters: NonNullable<CentredSums['clusters']>, levelIndependentVariance: number): { independentVariance: number; levelMeanWeight: number } | null {
  const { weights, periods } = clusters;
  const levelBlocks = periods.levelBlocks;
  if (levelBlocks === undefined || levelBlocks >= weights.length) return null;
  let level = 0;
  let all = 0;
  let levelPeriods = 0;
  for (let g = 0; g * periods.size < levelBlocks; g++) {
    let w = 0;
    for (let t = g * periods.size; t < Math.min(levelBlocks, (g + 1) * periods.size); t++) w += weights[t];
    if (w > 0) levelPeriods++;
    level += w;
  }
  for (let t = 0; t < weights.length; t++) all += weights[t];
  if (!(level > 0) || levelPeriods === 0) return null;
  return { independentVariance: (levelIndependentVariance * all) / level, levelMeanWeight: level / levelPeriods };
}

/** The `df` option of a Rao–Scott test: the joint df when both design effects share one estimate, else nothing. */
export function jointDf(design: DesignEstimate): { df?: number } {
  return design.jointDf !== undefined ? { df: design.jointDf } : {};
}
