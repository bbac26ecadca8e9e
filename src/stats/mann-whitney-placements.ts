import { sortFloat64 } from './sort-float64.ts';

export interface MannWhitneyPlacements {
  /** For each x (in input order): (#y below it + ½·#y equal to it) / m. */
  placementsX: Float64Array;
  /** For each y (in input order): (#x above it + ½·#x equal to it) / n. */
  placementsY: Float64Array;
  /** θ̂ = U_x / (n·m) = P̂[X > Y] + ½·P̂[X = Y], the mean of either placement array. */
  auc: number;
}

/**
 * DeLong's placement values (structural components) of the Mann-Whitney statistic: each observation's share of
 * the other sample it beats (ties count half). Their means are θ̂ = U/(nm); their variances give DeLong's variance
 * of θ̂, S₁₀/n + S₀₁/m, and when observations come in clusters (time blocks), the variance of θ̂ is that of the
 * per-cluster sums of centred placements (Obuchowski 1997) — which is how a rank test stays honest on telemetry
 * whose values are correlated in time. O((n + m) log(n + m)) by sorting and binary search; input order is kept.
 * References: E. R. DeLong, D. M. DeLong & D. L. Clarke-Pearson, Biometrics 44 (1988) 837–845;
 * N. A. Obuchowski, "Nonparametric analysis of clustered ROC curve data", Biometrics 53 (1997) 567–578.
 *
 * @example
 * mannWhitneyPlacements([1, 2, 3, 4], [3, 5, 6, 7, 8]);
 * // { placementsX: Float64Array [0, 0, 0.1, 0.2], placementsY: Float64Array [0.375, 0, 0, 0, 0], auc: 0.07500000000000001 }
 */
export function mannWhitneyPlacements(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyPlacements {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) throw new RangeError('mannWhitneyPlacements: both samples need at least one value');
  const sx = sortFloat64(x);
  const sy = sortFloat64(y);
  const placementsX = new Float64Array(n);
  const placementsY = new Float64Array(m);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const below = lowerBound(sy, v);
    const p = (below + (upperBound(sy, v) - below) / 2) / m;
    placementsX[i] = p;
    sum += p;
  }
  for (let j = 0; j < m; j++) {
    const v = y[j];
    const atOrBelow = upperBound(sx, v);
    placementsY[j] = (n - atOrBelow + (atOrBelow - lowerBound(sx, v)) / 2) / n;
  }
  return { placementsX, placementsY, auc: sum / n };
}

function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
