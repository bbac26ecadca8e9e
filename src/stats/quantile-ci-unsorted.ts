import { assertSample } from './assert-sample.ts';
import { orderStatisticRanks } from './order-statistic-ranks.ts';
import { DEFAULT_CONFIDENCE, numpyLerp, quantileCI, typeSevenPosition, type QuantileCI } from './quantile-ci.ts';
import { seededRandom } from './seeded-random.ts';
import { sortFloat64 } from './sort-float64.ts';

/** Below this size a full sort is as cheap as selecting. */
const DEFAULT_SELECT_MIN_LENGTH = 20000;
const DEFAULT_SAMPLE_SIZE = 16384;

/**
 * {@link quantileCI} for a sample in any order, without sorting it: the estimate (type 7) and the
 * interval need only four order statistics, all within a few standard deviations of rank q·n. A
 * seeded sample of 16 384 values brackets them (Floyd–Rivest, ±6 standard deviations of the sample rank),
 * one O(n) pass counts the values below the bracket, collects those inside it and checks for NaN, and
 * only the collected few thousand are sorted. The result is identical to
 * `quantileCI(sorted, q, confidence)` — the same order statistics and ranks; when the bracket misses (rare,
 * by design), it falls back to a full sort. Use `quantileCI` when the data is sorted anyway (several
 * quantiles of one window), this for a single quantile of raw data. Never mutates `values`.
 * References: Floyd & Rivest, "Expected time bounds for selection", CACM 18 (1975) 165–172; Conover (1999) §3.2.
 *
 * @example
 * quantileCIUnsorted([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.5);
 * // { estimate: 5.5, lower: 2, upper: 9, lowerRank: 1, upperRank: 8 }
 */
export function quantileCIUnsorted(values: ArrayLike<number>, q: number, confidence: number = DEFAULT_CONFIDENCE): QuantileCI {
  const n = values.length;
  if (n < DEFAULT_SELECT_MIN_LENGTH) {
    assertSample(values, 'values');
    return quantileCI(sortFloat64(values), q, confidence);
  }
  const { lowerIndex, upperIndex } = orderStatisticRanks(n, q, confidence);
  // The order statistics needed: the type-7 neighbours of (n−1)q and the two interval bounds.
  const { prev, next, gamma } = typeSevenPosition(n, q);
  const needLo = Math.max(0, Math.min(lowerIndex, prev));
  const needHi = Math.min(n - 1, Math.max(upperIndex, next));
  const random = seededRandom(0x9e37);
  const s = DEFAULT_SAMPLE_SIZE;
  const sample = new Float64Array(s);
  for (let i = 0; i < s; i++) sample[i] = values[Math.floor(random.uniform() * n)];
  sample.sort(); // a NaN sorts last here and is caught by the full pass below
  // The sample rank of a population fraction f has standard deviation √(s·f(1−f)): bracket each side by
  // 6 of those (a miss only costs the fallback sort).
  const sampleIndex = (rank: number, side: number) => {
    const f = rank / n;
    return (rank / n) * s + side * (6 * Math.sqrt(s * f * (1 - f)) + 3);
  };
  const iLo = Math.floor(sampleIndex(needLo, -1));
  const iHi = Math.ceil(sampleIndex(needHi, 1));
  const lowVal = iLo < 0 ? -Infinity : sample[iLo];
  const highVal = iHi >= s ? Infinity : sample[iHi];
  let below = 0;
  let inside = new Float64Array(Math.max(1024, Math.ceil(((iHi - iLo) / s) * n * 1.5)));
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < lowVal) below++;
    else if (v <= highVal) {
      if (count === inside.length) {
        const grown = new Float64Array(inside.length * 2);
        grown.set(inside);
        inside = grown;
      }
      inside[count++] = v;
    } else if (v !== v) {
      throw new RangeError(`values[${i}] is not a number (NaN)`);
    }
  }
  if (below > needLo || below + count <= needHi) {
    assertSample(values, 'values');
    return quantileCI(sortFloat64(values), q, confidence);
  }
  const window = inside.subarray(0, count).sort();
  const at = (index: number) => window[index - below];
  return {
    estimate: numpyLerp(at(prev), at(next), gamma),
    lower: lowerIndex >= 0 ? at(lowerIndex) : -Infinity,
    upper: upperIndex < n ? at(upperIndex) : Infinity,
    lowerRank: Math.max(lowerIndex, -1),
    upperRank: Math.min(upperIndex, n),
  };
}
