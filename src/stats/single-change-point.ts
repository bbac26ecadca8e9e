export interface ChangePointOptions {
  family: 'binomial' | 'poisson';
  /** Variance inflation of the counts (≥ 1; default 1: independent observations). */
  dispersion?: number;
  /** Coverage of the confidence set (default 0.95). */
  confidence?: number;
  /** Blocks at least on each side of a split (default 1). */
  minSegment?: number;
}

export interface ChangePoint {
  /** First block of the new rate. */
  index: number;
  rateBefore: number;
  rateAfter: number;
  /** ℓ(k̂) − ℓ(no change), unscaled by the dispersion. */
  logLikelihoodRatio: number;
  /** Smallest and largest split in the confidence set (block indices as `index`). */
  interval: [number, number];
  /** x of the set (on the dispersion-scaled log-likelihood). */
  cutoff: number;
}

/**
 * The most likely single change point of a rate in a series of counts (events out of trials per time block), and a
 * confidence set for where it lies.
 *
 * Estimate: the maximum-likelihood split k̂ (blocks [0, k) at one rate, [k, B) at another) of a binomial (share of
 * trials) or Poisson (events per unit of exposure) series — the likelihood-ratio form of the CUSUM statistic
 * (D. V. Hinkley, "Inference about the change-point in a sequence of random variables", Biometrika 57 (1970) 1–17;
 * K. J. Worsley, "The power of likelihood ratio and cumulative sum tests for a change in a binomial probability",
 * Biometrika 70 (1983) 455–464).
 *
 * Interval: the likelihood-ratio confidence set {k : (ℓ(k̂) − ℓ(k)) / φ ≤ x} (D. Siegmund, "Confidence sets in
 * change-point problems", Int. Statist. Rev. 56 (1988) 31–48). Near the true change ℓ(k) − ℓ(k₀) is, on either
 * side, a random walk whose drift is −½ of its variance (Hinkley 1970), i.e. W(s) − s/2 in its own time s; since
 * P(sup_{s≥0} W(s) − s/2 > x) = e^{−x} and the two sides are independent, the set covers k₀ with probability
 * (1 − e^{−x})², so x = −log(1 − √confidence) (3.676 for 95 %). It is exact in the small-change limit and
 * conservative for large changes (a discrete walk overshoots less). `dispersion` φ ≥ 1 divides the log-likelihood
 * (quasi-likelihood, McCullagh & Nelder, "Generalized Linear Models" (1989) §9.2): counts that cluster in time
 * vary φ times more than binomial/Poisson ones, and an unscaled set would be too narrow by that factor.
 *
 * @example
 * singleChangePoint([1, 0, 1, 1, 6, 5, 7, 6], [50, 50, 50, 50, 50, 50, 50, 50], { family: 'binomial' });
 * // { index: 4, rateBefore: 0.015, rateAfter: 0.12, logLikelihoodRatio: 9.887972797171514, interval: [3, 4], cutoff: 3.6761383470778695 }
 */
export function singleChangePoint(events: ArrayLike<number>, trials: ArrayLike<number>, options: ChangePointOptions): ChangePoint | null {
  const n = events.length;
  if (trials.length !== n) throw new RangeError(`singleChangePoint: events (${n}) and trials (${trials.length}) differ in length`);
  const phi = Math.max(1, options.dispersion ?? 1);
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`singleChangePoint: confidence must be in (0, 1) (got ${confidence})`);
  const minSegment = Math.max(1, Math.floor(options.minSegment ?? 1));
  if (n < 2 * minSegment) return null;
  const cumK = new Float64Array(n + 1);
  const cumN = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (!(events[i] >= 0) || !(trials[i] >= 0) || (options.family === 'binomial' && events[i] > trials[i])) {
      throw new RangeError(`singleChangePoint: block ${i} has ${events[i]} events out of ${trials[i]} trials`);
    }
    cumK[i + 1] = cumK[i] + events[i];
    cumN[i + 1] = cumN[i] + trials[i];
  }
  const segment = options.family === 'binomial' ? binomialLogLik : poissonLogLik;
  const total = segment(cumK[n], cumN[n]);
  const profile = new Float64Array(n + 1).fill(-Infinity);
  let best = -1;
  for (let k = minSegment; k <= n - minSegment; k++) {
    profile[k] = segment(cumK[k], cumN[k]) + segment(cumK[n] - cumK[k], cumN[n] - cumN[k]);
    if (best < 0 || profile[k] > profile[best]) best = k;
  }
  if (cumN[best] === 0 || cumN[n] - cumN[best] === 0) return null;
  const cutoff = -Math.log(1 - Math.sqrt(confidence));
  let lo = best;
  let hi = best;
  for (let k = minSegment; k <= n - minSegment; k++) {
    if ((profile[best] - profile[k]) / phi <= cutoff) {
      lo = Math.min(lo, k);
      hi = Math.max(hi, k);
    }
  }
  return {
    index: best,
    rateBefore: cumK[best] / cumN[best],
    rateAfter: (cumK[n] - cumK[best]) / (cumN[n] - cumN[best]),
    logLikelihoodRatio: profile[best] - total,
    interval: [lo, hi],
    cutoff,
  };
}

/** Maximised binomial log-likelihood of k events in n trials (without the binomial coefficient). */
function binomialLogLik(k: number, n: number): number {
  if (n <= 0) return 0;
  const p = k / n;
  return (k > 0 ? k * Math.log(p) : 0) + (n - k > 0 ? (n - k) * Math.log(1 - p) : 0);
}

/** Maximised Poisson log-likelihood of k events at exposure n (without log k!). */
function poissonLogLik(k: number, n: number): number {
  if (n <= 0 || k <= 0) return 0;
  return k * Math.log(k / n) - k;
}
