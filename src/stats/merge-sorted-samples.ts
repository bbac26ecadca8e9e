/** What one merge of two ascending samples yields for the rank tests (Mann-Whitney U, two-sample KS). */
export interface SortedMergeSummary {
  /** U of x: pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counting ½ (an exact half-integer). */
  u: number;
  /** Σ(t³ − t) over the tie groups of the pooled sample, summed in pooled order. */
  tieTerm: number;
  /** max and min of F₁ − F₂ over the pooled values, each ECDF taken after the run of equal values. */
  maxDiff: number;
  minDiff: number;
}

/**
 * One pass over two ascending, NaN-free samples that yields the statistics of both rank tests. The loop is
 * driven by the x groups: for each distinct x value it advances over the y values below it, then counts the
 * ties on both sides. That costs about one unpredictable branch per x value, where a symmetric "take the
 * smaller head" merge pays several per pooled value (on interleaved continuous data each choice is a coin
 * flip); runs of equal values are checked by comparisons that are almost always false, hence cheap.
 * Exactness: `u` is a sum of half-integers (exact below 2⁵³), `tieTerm` is accumulated group by group in
 * pooled order, and F₁ − F₂ is evaluated as `i/n₁ − j/n₂` at the end of every x group and at the end of every
 * stretch of y-only groups, which includes every point where the maximum or the minimum is attained
 * (within a y-only stretch the difference only decreases), so the results equal those of a full pooled scan.
 *
 * @example
 * mergeSortedSamples(Float64Array.of(1, 2, 3, 4), Float64Array.of(3, 5, 6, 7, 8));
 * // { u: 1.5, tieTerm: 6, maxDiff: 0.8, minDiff: 0 }
 */
export function mergeSortedSamples(a: Float64Array, b: Float64Array): SortedMergeSummary {
  const n1 = a.length;
  const n2 = b.length;
  let u = 0;
  let tieTerm = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  let i = 0;
  let j = 0;
  for (;;) {
    const xDone = i === n1; // then only the y values above the largest x are left
    const v = xDone ? 0 : a[i];
    if (j < n2 && (xDone || b[j] < v)) {
      // The y-only groups below v: their ties, then one ECDF check at the end of the stretch.
      do {
        const w = b[j];
        let k = j + 1;
        while (k < n2 && b[k] === w) k++;
        const t = k - j;
        if (t > 1) tieTerm += t * t * t - t;
        j = k;
      } while (j < n2 && (xDone || b[j] < v));
      const diff = i / n1 - j / n2;
      if (diff > maxDiff) maxDiff = diff;
      if (diff < minDiff) minDiff = diff;
    }
    if (xDone) break;
    let iEnd = i + 1;
    while (iEnd < n1 && a[iEnd] === v) iEnd++;
    let jEnd = j;
    while (jEnd < n2 && b[jEnd] === v) jEnd++;
    const cx = iEnd - i;
    const cy = jEnd - j;
    u += cx * (j + cy / 2);
    const t = cx + cy;
    if (t > 1) tieTerm += t * t * t - t;
    i = iEnd;
    j = jEnd;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  return { u, tieTerm, maxDiff, minDiff };
}
