import { assertSample } from './assert-sample.ts';
import { orderStatisticRanks } from './order-statistic-ranks.ts';
import { DEFAULT_CONFIDENCE, quantileCI, type QuantileCI } from './quantile-ci.ts';
import { seededRandom } from './seeded-random.ts';
import { sortFloat64 } from './sort-float64.ts';

/** Below this size a full sort is as cheap as selecting. */
const DEFAULT_SELECT_MIN_LENGTH = 20000;
const DEFAULT_SAMPLE_SIZE = 8192;

/**
 * {@link quantileCI} for a sample in any order, without sorting it: the estimate (type 7) and the
 * interval need only four order statistics, all within a few standard deviations of rank q·n. A
 * seeded sample of 8192 values brackets them (Floyd–Rivest), one O(n) pass counts the values below the
 * bracket and collects those inside it, and only the collected few are sorted. The result is identical to
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
  assertSample(values, 'values');
  const n = values.length;
  const { lowerIndex, upperIndex } = orderStatisticRanks(n, q, confidence);
  if (n < DEFAULT_SELECT_MIN_LENGTH) return quantileCI(sortFloat64(values), q, confidence);
  // The order statistics needed: the type-7 neighbours of (n−1)q and the two interval bounds.
  const virtual = n * q + (1 + q * (1 - 1 - 1)) - 1;
  const prev = Math.min(Math.max(Math.floor(virtual), 0), n - 1);
  const needLo = Math.max(0, Math.min(lowerIndex, prev));
  const needHi = Math.min(n - 1, Math.max(upperIndex, prev + 1));
  const random = seededRandom(0x9e37);
  const s = DEFAULT_SAMPLE_SIZE;
  const sample = new Float64Array(s);
  for (let i = 0; i < s; i++) sample[i] = values[Math.floor(random.uniform() * n)];
  sample.sort();
  const slack = 4 * Math.sqrt(s) + 2; // generous: a miss only costs the fallback sort
  const iLo = Math.floor((needLo / n) * s - slack);
  const iHi = Math.ceil((needHi / n) * s + slack);
  const lowVal = iLo < 0 ? -Infinity : sample[iLo];
  const highVal = iHi >= s ? Infinity : sample[iHi];
  let below = 0;
  const inside: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < lowVal) below++;
    else if (v <= highVal) inside.push(v);
  }
  if (below > needLo || below + inside.length <= needHi) return quantileCI(sortFloat64(values), q, confidence);
  const window = Float64Array.from(inside).sort();
  const at = (index: number) => window[index - below];
  const next = Math.min(prev + 1, n - 1);
  const gamma = virtual - Math.floor(virtual);
  const a = at(prev);
  const diff = at(next) - a;
  return {
    estimate: gamma >= 0.5 ? at(next) - diff * (1 - gamma) : a + diff * gamma,
    lower: lowerIndex >= 0 ? at(lowerIndex) : -Infinity,
    upper: upperIndex < n ? at(upperIndex) : Infinity,
    lowerRank: Math.max(lowerIndex, -1),
    upperRank: Math.min(upperIndex, n),
  };
}
