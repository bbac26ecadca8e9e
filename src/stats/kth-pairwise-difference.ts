import { seededRandom } from './seeded-random.ts';

const DEFAULT_GATHER_LIMIT = 65536;
const DEFAULT_SAMPLE_SIZE = 1024;

/**
 * The k-th smallest (1-based) of the n·m pairwise differences a[i] − b[j] of two ascending samples,
 * without forming them: a selection over the implicit sorted matrix. Each round restricts the candidates
 * to a value bracket (lo, hi] (row ranges found by two pointers, O(n + m)), samples 1024 candidates
 * uniformly, and takes two sample quantiles around the target rank as new bracket ends (Floyd–Rivest
 * style), so the candidate count shrinks by a large factor per round; once at most 65 536 remain they
 * are gathered and sorted. Expected O((n + m)·log(nm)) time, O(n + m) memory. Sampling uses a fixed
 * seed: the result is exact regardless, and the run time is reproducible.
 * References: Johnson & Mizoguchi, SIAM J. Comput. 7 (1978) 147–153; Monahan, ACM TOMS 10 (1984) 265–270
 * (Algorithm 616); Floyd & Rivest, CACM 18 (1975) 165–172.
 *
 * @example
 * kthPairwiseDifference(new Float64Array([1, 5]), new Float64Array([0, 2]), 2); // 1  (differences −1, 1, 3, 5)
 */
export function kthPairwiseDifference(a: Float64Array, b: Float64Array, k: number): number {
  const n = a.length;
  const m = b.length;
  const total = n * m;
  if (!Number.isInteger(k) || k < 1 || k > total) throw new RangeError(`k must be an integer in 1…${total} (got ${k})`);
  const random = seededRandom(0x5eed);
  let lo = -Infinity; // all candidates are > lo; countLE(lo) < k
  let countLo = 0;
  let hi = a[n - 1] - b[0]; // countLE(hi) ≥ k
  const start = new Int32Array(n); // per row: first j with a[i] − b[j] ≤ hi
  const stop = new Int32Array(n); // per row: first j with a[i] − b[j] ≤ lo (m when lo = −∞)
  const cum = new Float64Array(n + 1);
  for (let round = 0; round < 200; round++) {
    // Candidates of row i are j in [start[i], stop[i]): differences in (lo, hi], descending in j.
    let js = 0;
    let jl = 0;
    for (let i = 0; i < n; i++) {
      while (js < m && a[i] - b[js] > hi) js++;
      if (lo === -Infinity) jl = m;
      else while (jl < m && a[i] - b[jl] > lo) jl++;
      start[i] = js;
      stop[i] = Math.max(jl, js);
      cum[i + 1] = cum[i] + (stop[i] - start[i]);
    }
    const candidates = cum[n];
    const target = k - countLo; // 1-based rank among the candidates
    if (candidates <= DEFAULT_GATHER_LIMIT) {
      const values = new Float64Array(candidates);
      let w = 0;
      for (let i = 0; i < n; i++) for (let j = start[i]; j < stop[i]; j++) values[w++] = a[i] - b[j];
      values.sort();
      return values[target - 1];
    }
    const samples = new Float64Array(DEFAULT_SAMPLE_SIZE);
    for (let s = 0; s < samples.length; s++) {
      const u = Math.floor(random.uniform() * candidates);
      let r0 = 0;
      let r1 = n; // find row i with cum[i] ≤ u < cum[i+1]
      while (r1 - r0 > 1) {
        const mid = (r0 + r1) >>> 1;
        if (cum[mid] <= u) r0 = mid;
        else r1 = mid;
      }
      samples[s] = a[r0] - b[start[r0] + (u - cum[r0])];
    }
    samples.sort();
    const f = target / candidates;
    const spread = 3 * Math.sqrt(samples.length * f * (1 - f)) + 2;
    const pivots = [Math.floor(samples.length * f - spread), Math.ceil(samples.length * f + spread)];
    let moved = false;
    for (const p of pivots) {
      if (p < 0 || p >= samples.length) continue;
      const t = samples[p];
      if (!(t > lo && t < hi)) continue;
      const c = countLessOrEqual(a, b, t);
      if (c >= k) {
        hi = t;
        moved = true;
      } else {
        lo = t;
        countLo = c;
        moved = true;
      }
    }
    if (!moved) {
      // Every sampled pivot coincided with a bracket end: many equal differences at hi. If the target
      // lies among them, hi is the answer; otherwise shrink hi to the next difference below it.
      const below = countLessOrEqual(a, b, nextDown(hi));
      if (below < k) return hi;
      hi = nextDown(hi);
    }
  }
  throw new RangeError('kthPairwiseDifference did not converge (non-finite input?)');
}

/** Number of pairs with a[i] − b[j] ≤ t (two pointers over the ascending samples, O(n + m)). */
export function countLessOrEqual(a: Float64Array, b: Float64Array, t: number): number {
  const m = b.length;
  let j = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < m && a[i] - b[j] > t) j++;
    count += m - j;
  }
  return count;
}

const view = new DataView(new ArrayBuffer(8));

/** The largest double strictly below t (so "≤ nextDown(t)" means "< t" for doubles). */
function nextDown(t: number): number {
  if (t === 0) return -Number.MIN_VALUE;
  view.setFloat64(0, t);
  const bits = view.getBigInt64(0);
  view.setBigInt64(0, t > 0 ? bits - 1n : bits + 1n);
  return view.getFloat64(0);
}
