/**
 * One view over raw and histogram samples, so each finding is written once: size, quantile with a
 * distribution-free interval, and counts above a threshold (for the exceedance test).
 * Raw values are copied once into a sorted Float64Array (radix sort; the handoff arrays are never mutated).
 */
import { histogramQuantileInterval, memoIn, sortFloat64, typeSevenQuantile, woodruffRanks, type OrderStatisticRanks } from '../stats/index.ts';
import { INDEPENDENT, type ReferencePeriods, type WindowDesign } from './design-effect.ts';
import type { BlockCells, SampleSet } from './types.ts';

export interface QuantileEstimate {
  estimate: number;
  lower: number;
  upper: number;
  /** Relative bucket width for histogram input; null for exact (raw) input. */
  resolution: number | null;
  /** Histogram input: the edges of the bucket holding the estimate (all the data can say about the quantile). */
  bucket?: [number, number];
}

export type SampleView = SortedRawView | HistogramView;

export interface SortedRawView {
  kind: 'raw';
  n: number;
  sorted: Float64Array;
  /** The values in input order with their time blocks, when the source knows them (see time-blocks.ts). */
  timed?: TimedValues;
}

export interface HistogramView {
  kind: 'histogram';
  n: number;
  upperBounds: Float64Array;
  counts: Float64Array;
  lowerBound: number;
  /** The counts by time block, when the source knows them; `bucket` indexes this view's buckets. */
  timed?: { blockCount: number; cells: BlockCells; periods?: ReferencePeriods };
}

/** Raw values in input order, each with its time block (0 … blockCount − 1). */
export interface TimedValues {
  blockCount: number;
  /** Seasonal baseline: the window is consecutive reference periods of `periods.size` blocks (design-effect.ts). */
  periods?: ReferencePeriods;
  values: Float64Array;
  blocks: Uint32Array;
}

/**
 * A view of one window's samples. `blockCount` is the number of time blocks of the window (when the handoff
 * carries blocks); without it, or without blocks on the samples, the observations are treated as independent.
 */
export function viewOf(samples: SampleSet, blockCount?: number, periods?: ReferencePeriods): SampleView {
  const clusters = periods ? { periods } : {};
  // A seasonal reference side with a variance history (ReferencePeriods.levelBlocks): the view's values and counts
  // are the baseline periods' only, its per-block data (`timed`) every period's, so each comparison's block series
  // measure the period-to-period spread over the whole history.
  const level = blockCount && periods?.levelBlocks !== undefined && periods.levelBlocks < blockCount ? periods.levelBlocks : undefined;
  if (samples.kind === 'raw') {
    const timed = blockCount && samples.blocks ? { blockCount, values: samples.values, blocks: samples.blocks, ...clusters } : undefined;
    // A sorted copy: the handoff arrays stay untouched.
    const sorted = level !== undefined && samples.blocks ? sortFloat64(valuesBefore(samples.values, samples.blocks, level)) : sortFloat64(samples.values);
    return { kind: 'raw', n: sorted.length, sorted, ...(timed ? { timed } : {}) };
  }
  const counts = level !== undefined && samples.blockCells ? countsBefore(samples.blockCells, samples.counts.length, level) : samples.counts;
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  const timed = blockCount && samples.blockCells ? { blockCount, cells: samples.blockCells, ...clusters } : undefined;
  return { kind: 'histogram', n, upperBounds: samples.upperBounds, counts, lowerBound: samples.lowerBound ?? 0, ...(timed ? { timed } : {}) };
}

/** The values whose block is below `end` (the baseline periods of a side with a variance history). */
export function valuesBefore(values: Float64Array, blocks: Uint32Array, end: number): Float64Array {
  let kept = 0;
  for (let i = 0; i < blocks.length; i++) if (blocks[i] < end) kept++;
  const out = new Float64Array(kept);
  let j = 0;
  for (let i = 0; i < blocks.length; i++) if (blocks[i] < end) out[j++] = values[i];
  return out;
}

/** Bucket counts of the cells whose block is below `end`. */
export function countsBefore(cells: BlockCells, buckets: number, end: number): Float64Array {
  const out = new Float64Array(buckets);
  for (let i = 0; i < cells.block.length; i++) if (cells.block[i] < end) out[cells.bucket[i]] += cells.count[i];
  return out;
}

/**
 * The q-quantile with a confidence interval. Raw data: the type-7 estimate and the distribution-free
 * order-statistic interval, widened by Woodruff's method when the window's observations are clustered in time
 * (`design`: the design effect of the share below the quantile, see design-effect.ts); with no clustering it is
 * exactly the exact binomial interval. Histograms: the same ranks, bounded by bucket EDGES, so the interval holds
 * whatever the bucket layout (the estimate stays interpolated; `bucket` says how far the data can place it).
 */
export function quantileOf(view: SampleView, q: number, confidence: number, design: WindowDesign = INDEPENDENT): QuantileEstimate | null {
  if (view.n === 0) return null;
  if (view.kind === 'raw') {
    const { lowerIndex, upperIndex } = ranksOf(view.n, q, confidence, design);
    return {
      estimate: typeSevenQuantile(view.sorted, q),
      lower: lowerIndex >= 0 ? view.sorted[lowerIndex] : -Infinity,
      upper: upperIndex < view.n ? view.sorted[upperIndex] : Infinity,
      resolution: null,
    };
  }
  if (!Number.isInteger(view.n)) throw new RangeError(`histogram counts must be whole numbers (total ${view.n})`);
  const ranks = ranksOf(view.n, q, confidence, design);
  const r = histogramQuantileInterval(view.upperBounds, view.counts, q, ranks, view.lowerBound);
  return { estimate: r.estimate, lower: r.lower, upper: r.upper, resolution: r.resolution, bucket: [r.estimateLow, r.estimateHigh] };
}

/** The q-quantile's point estimate alone: quantileOf(view, q, …).estimate, without its interval's ranks for raw data. */
export function quantileEstimateOf(view: SampleView, q: number, confidence: number): number | null {
  if (view.n === 0) return null;
  if (view.kind === 'raw') return typeSevenQuantile(view.sorted, q);
  return quantileOf(view, q, confidence)?.estimate ?? null;
}

/**
 * Independent windows' interval ranks by (q, confidence, n): the same few quantiles and request counts come back
 * for most endpoints of a large report, each a binomial search (issue 12). Clustered windows (design effect > 1)
 * differ endpoint by endpoint and are computed each time. Shared result objects: read only.
 */
const INDEPENDENT_RANKS = new Map<number, Map<number, Map<number, OrderStatisticRanks>>>();
const RANKS_PER_LEVEL = 100_000;
/** Distinct quantiles and confidence levels kept (a handful in practice). */
const LEVELS_LIMIT = 1_000;

function ranksOf(n: number, q: number, confidence: number, design: WindowDesign): OrderStatisticRanks {
  if (design.designEffect !== 1 || design.df !== Infinity) return woodruffRanks(n, q, confidence, design.designEffect, design.df);
  const byConfidence = memoIn(INDEPENDENT_RANKS, q, LEVELS_LIMIT, () => new Map<number, Map<number, OrderStatisticRanks>>());
  const byN = memoIn(byConfidence, confidence, LEVELS_LIMIT, () => new Map<number, OrderStatisticRanks>());
  return memoIn(byN, n, RANKS_PER_LEVEL, () => woodruffRanks(n, q, confidence, 1, Infinity));
}

/** Number of values strictly above `threshold`. */
export function countAbove(view: SampleView, threshold: number): number {
  if (view.kind === 'raw') return view.n - upperBoundIndex(view.sorted, threshold);
  let c = 0;
  for (let i = view.counts.length - 1; i >= 0; i--) {
    // bucket i covers (upperBounds[i-1], upperBounds[i]]: it lies above the threshold when its lower edge does
    const lo = i === 0 ? view.lowerBound : view.upperBounds[i - 1];
    if (lo >= threshold) c += view.counts[i];
    else break;
  }
  return c;
}

/**
 * Number of values at or above `threshold`. For histograms `threshold` is a bucket edge and the bucket it
 * closes counts (its values are tied with the edge as far as the histogram can tell).
 */
export function countAtOrAbove(view: SampleView, threshold: number): number {
  if (view.kind === 'raw') return view.n - lowerBoundIndex(view.sorted, threshold);
  let c = 0;
  for (let i = view.counts.length - 1; i >= 0; i--) {
    if (view.upperBounds[i] >= threshold) c += view.counts[i];
    else break;
  }
  return c;
}

/** First index whose value is > x (values ascending). */
export function upperBoundIndex(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Threshold splitting the pooled sample at its q-quantile, for Mood's generalized median test.
 * Raw input: the k-th smallest value of the union (k = ceil(q·N)), found by bisection over the two sorted arrays.
 * Histogram input (same buckets on both sides): the bucket edge at which the pooled cumulative share first
 * reaches q. Returns null when the two views cannot be pooled (histograms on different buckets).
 */
export function pooledThreshold(a: SampleView, b: SampleView, q: number): number | null {
  const total = a.n + b.n;
  if (total === 0) return null;
  if (a.kind === 'raw' && b.kind === 'raw') {
    const k = Math.min(total, Math.max(1, Math.ceil(q * total)));
    return kthOfTwo(a.sorted, b.sorted, k);
  }
  if (a.kind === 'histogram' && b.kind === 'histogram' && sameBuckets(a, b)) {
    let cum = 0;
    for (let i = 0; i < a.counts.length; i++) {
      cum += a.counts[i] + b.counts[i];
      if (cum >= q * total) return a.upperBounds[i];
    }
    return a.upperBounds[a.upperBounds.length - 1];
  }
  return null;
}

/**
 * The two windows as views that can be pooled: raw with raw as they are; histograms on different layouts (an
 * upgrade that adds `le` buckets) merged onto the edges both share, which is exact because each shared edge is
 * an edge of both; raw values binned onto the histogram's edges when the other window is a histogram. Null when
 * fewer than two buckets would remain (nothing to compare) or the lower edges differ.
 */
export function poolable(a: SampleView, b: SampleView): [SampleView, SampleView] | null {
  if (a.kind === 'raw' && b.kind === 'raw') return [a, b];
  if (a.kind === 'histogram' && b.kind === 'histogram') {
    if (sameBuckets(a, b)) return [a, b];
    if (a.lowerBound !== b.lowerBound) return null;
    const inB = new Set(b.upperBounds);
    const shared = a.upperBounds.filter((e) => inB.has(e));
    // The top bucket always closes at the larger of the two last edges, so every count keeps a bucket.
    const top = Math.max(a.upperBounds[a.upperBounds.length - 1], b.upperBounds[b.upperBounds.length - 1]);
    const edges = Float64Array.from(shared[shared.length - 1] === top ? shared : [...shared.filter((e) => e < top), top]);
    if (edges.length < 2) return null;
    return [rebin(a, edges), rebin(b, edges)];
  }
  const h = (a.kind === 'histogram' ? a : b) as HistogramView;
  const r = (a.kind === 'raw' ? a : b) as SortedRawView;
  const binned = binRaw(r, h);
  return a.kind === 'raw' ? [binned, h] : [h, binned];
}

/** Counts of `view` summed onto `edges` (each a subset edge of view's layout, or above its last edge). */
function rebin(view: HistogramView, edges: Float64Array): HistogramView {
  const counts = new Float64Array(edges.length);
  const target = new Uint32Array(view.counts.length);
  let j = 0;
  for (let i = 0; i < view.counts.length; i++) {
    while (j < edges.length - 1 && view.upperBounds[i] > edges[j]) j++;
    counts[j] += view.counts[i];
    target[i] = j;
  }
  const out: HistogramView = { kind: 'histogram', n: view.n, upperBounds: edges, counts, lowerBound: view.lowerBound };
  if (view.timed) {
    const { cells } = view.timed;
    out.timed = { ...view.timed, cells: { block: cells.block, bucket: Uint32Array.from(cells.bucket, (b) => target[b]), count: cells.count } };
  }
  return out;
}

/** Raw values binned onto a histogram's buckets (values above the last edge go to the last bucket). */
function binRaw(view: SortedRawView, like: HistogramView): HistogramView {
  const counts = new Float64Array(like.upperBounds.length);
  let prev = 0;
  for (let i = 0; i < like.upperBounds.length; i++) {
    const upTo = i === like.upperBounds.length - 1 ? view.n : upperBoundIndex(view.sorted, like.upperBounds[i]);
    counts[i] = upTo - prev;
    prev = upTo;
  }
  const out: HistogramView = { kind: 'histogram', n: view.n, upperBounds: like.upperBounds, counts, lowerBound: like.lowerBound };
  if (view.timed) {
    // One cell per value: its block and the bucket it falls in (the first edge at or above it).
    const { values, blocks, blockCount, periods } = view.timed;
    const bucket = new Uint32Array(values.length);
    const last = like.upperBounds.length - 1;
    for (let i = 0; i < values.length; i++) bucket[i] = Math.min(last, lowerBoundIndex(like.upperBounds, values[i]));
    out.timed = { blockCount, cells: { block: blocks, bucket, count: new Float64Array(values.length).fill(1) }, ...(periods ? { periods } : {}) };
  }
  return out;
}

export function sameBuckets(a: HistogramView, b: HistogramView): boolean {
  if (a.upperBounds.length !== b.upperBounds.length || a.lowerBound !== b.lowerBound) return false;
  for (let i = 0; i < a.upperBounds.length; i++) if (a.upperBounds[i] !== b.upperBounds[i]) return false;
  return true;
}

/** k-th smallest (1-based) of the union of two ascending arrays, by bisection on the value range. */
function kthOfTwo(x: Float64Array, y: Float64Array, k: number): number {
  // Bisection over candidate positions in x: count how many of the union are <= candidate.
  const pick = (arr: Float64Array, other: Float64Array): number | null => {
    let lo = 0;
    let hi = arr.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = arr[mid];
      const below = lowerBoundIndex(arr, v) + lowerBoundIndex(other, v); // strictly less than v
      const atOrBelow = upperBoundIndex(arr, v) + upperBoundIndex(other, v);
      if (atOrBelow < k) lo = mid + 1;
      else if (below >= k) hi = mid - 1;
      else return v;
    }
    return null;
  };
  return pick(x, y) ?? pick(y, x) ?? Number.NaN;
}

function lowerBoundIndex(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
