import type { Alternative } from './assert-sample.ts';

export interface KsExactAttempt {
  /** False when the computation overflowed or left [0, 1]: the caller falls back to the asymptotic method. */
  success: boolean;
  /** D rounded to the lattice h / lcm(n1, n2) the exact distribution lives on. */
  d: number;
  pValue: number;
}

/**
 * Exact null distribution tail of the two-sample Kolmogorov-Smirnov statistic by lattice-path counting,
 * following SciPy's `_attempt_exact_2kssamp` step for step: for two-sided tests the alternating
 * binomial series when n1 = n2, otherwise the "inside" recursion computing the p-value directly
 * (Viehmann 2021); for one-sided tests a product formula when n1 = n2, otherwise Hodges' count of
 * paths crossing one diagonal. References: J. L. Hodges, "The significance probability of the Smirnov
 * two-sample test", Arkiv för Matematik 3 (1958) 469–486; T. Viehmann, arXiv:2102.08037.
 *
 * @example
 * ksExactPValue(3, 3, 1, 'two-sided'); // { success: true, d: 1, pValue: 0.09999999999999999 }
 */
export function ksExactPValue(n1: number, n2: number, d: number, alternative: Alternative): KsExactAttempt {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  d = h / lcm;
  if (h === 0) return { success: true, d, pValue: 1 };
  let prob: number;
  if (alternative === 'two-sided') {
    prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  } else if (n1 === n2) {
    prob = 1;
    for (let j = 0; j < h; j++) prob *= (n1 - j) / (n1 + j + 1);
  } else {
    const paths = countPathsOutside(n1, n2, g, h);
    const total = binom(n1 + n2, n1);
    if (!Number.isFinite(paths) || !Number.isFinite(total) || paths > total) return { success: false, d, pValue: NaN };
    prob = paths / total;
  }
  if (!(prob >= 0 && prob <= 1)) return { success: false, d, pValue: prob };
  return { success: true, d, pValue: prob };
}

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy.round: halves go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Pr(D_{n,n} ≥ h/n): 2·(C(2n, n−h) − C(2n, n−2h) + …)/C(2n, n) in Horner form (SciPy's _compute_prob_outside_square). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/** Proportion of lattice paths leaving the band |x/m − y/n| < h/lcm (SciPy's _compute_outer_prob_inside_method). */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(lenA, maxj - minj + (lastlen - curlen)));
  }
  return A[maxj - minj - 1];
}

/** Number of lattice paths from (0,0) to (m,n) reaching m·y ≤ n·x − h·g (SciPy's _count_paths_outside_method). */
function countPathsOutside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  const lxj = n + Math.floor((mg - h) / mg);
  if (lxj <= 0) return binom(m + n, n);
  const xj = new Float64Array(lxj);
  for (let j = 0; j < lxj; j++) xj[j] = Math.floor((h + mg * j + ng - 1) / ng);
  const B = new Float64Array(lxj);
  B[0] = 1;
  for (let j = 1; j < lxj; j++) {
    let bj = binom(xj[j] + j, j);
    for (let i = 0; i < j; i++) bj -= binom(xj[j] - xj[i] + j - i, j - i) * B[i];
    if (!Number.isFinite(bj)) return NaN;
    B[j] = bj;
  }
  let paths = 0;
  for (let j = 0; j < lxj; j++) paths += B[j] * binom(m - xj[j] + (n - j), n - j);
  return paths;
}

// Binomial coefficient as a double (Infinity on overflow), by the product formula over the smaller k.
function binom(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= k; i++) {
    r = (r * (n - k + i)) / i;
    if (!Number.isFinite(r)) return Infinity;
  }
  return r;
}
