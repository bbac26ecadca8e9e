/**
 * Confidence interval for a ratio of two independent positive estimates from their own intervals, by the
 * MOVER method on the log scale (Donner & Zou 2012, "Closed-form confidence intervals for functions of the
 * normal mean and standard deviation", Stat Methods Med Res 21:347; Newcombe 2016 for ratios). It needs
 * nothing but each estimate's interval, so it works alike for order-statistic intervals of raw samples and
 * for intervals read off histogram buckets.
 *
 * Returns the interval of (after / before − 1), or null when an estimate or bound is not positive.
 */
export function relativeChangeInterval(
  before: { estimate: number; lower: number; upper: number },
  after: { estimate: number; lower: number; upper: number },
): [number, number] | null {
  const ok = (v: number) => Number.isFinite(v) && v > 0;
  if (!ok(before.estimate) || !ok(after.estimate)) return null;
  const la = Math.log(after.estimate);
  const lb = Math.log(before.estimate);
  // An open bound (rank beyond the sample) means the interval is unbounded on that side.
  const aLo = ok(after.lower) ? la - Math.log(after.lower) : Infinity;
  const aHi = Number.isFinite(after.upper) ? Math.log(after.upper) - la : Infinity;
  const bLo = ok(before.lower) ? lb - Math.log(before.lower) : Infinity;
  const bHi = Number.isFinite(before.upper) ? Math.log(before.upper) - lb : Infinity;
  const d = la - lb;
  const lower = d - Math.sqrt(aLo * aLo + bHi * bHi);
  const upper = d + Math.sqrt(aHi * aHi + bLo * bLo);
  return [Math.expm1(lower), Math.expm1(upper)];
}

export function relativeChange(before: number | null, after: number | null): number | null {
  if (before === null || after === null || !(before > 0)) return null;
  return after / before - 1;
}

/**
 * The interval of (after / before − 1) when a window's quantile comes from histogram buckets: the bounds of each
 * window's interval are bucket edges, and nothing places the quantile inside its bucket, so every ratio between
 * the extreme placements is possible. MOVER centres on the interpolated points and, with edge-snapped intervals,
 * claims a lower bound no placement supports (a +24 % floor where the buckets allow +0 %); the box of the two
 * intervals is the honest interval (conservative: its coverage is at least that of the joint per-window intervals).
 */
export function bucketBoundedChangeInterval(
  before: { lower: number; upper: number },
  after: { lower: number; upper: number },
): [number, number] | null {
  if (!(before.upper > 0) || !(after.lower >= 0)) return null;
  const lower = after.lower / before.upper - 1;
  const upper = before.lower > 0 && Number.isFinite(after.upper) ? after.upper / before.lower - 1 : Infinity;
  return [lower, upper];
}
