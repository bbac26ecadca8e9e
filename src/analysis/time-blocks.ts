/**
 * Per-time-block counts of a sample view: how many observations each block of the window holds, and how many of
 * them lie above (or at or above) a threshold. These per-block series are what the clustered inference
 * (design-effect.ts) measures the time dependence of. Null when the view carries no blocks (treated as independent).
 */
import { sortFloat64 } from '../stats/index.ts';
import type { ReferencePeriods } from './design-effect.ts';
import { valuesBefore, type HistogramView, type SampleView } from './sample-view.ts';

/** The reference periods of a seasonal baseline's view (see design-effect.ts), if any. */
export function periodsOf(view: SampleView): { periods?: ReferencePeriods } {
  return view.timed?.periods ? { periods: view.timed.periods } : {};
}

/**
 * The per-block totals of the last few views asked about: every quantile's design effect and test of a subject asks
 * for the same totals of its two windows, and at 100 000 quiet endpoints the copies were a large part of the
 * garbage (issue 12). Only the last few: the analysis goes subject by subject, and totals kept for every view
 * (the views live until the onsets are found) were a kilobyte per endpoint and window. A slot's arrays are reused
 * for the view that takes it next (three fresh typed arrays per view were a tenth of the analysis at 100 000
 * endpoints): what blockTotals and occupiedBlocks return is valid until RECENT_TOTALS other views were asked about.
 * Every caller uses them before it asks about more than one other view.
 */
const RECENT_TOTALS = 4;
const recentViews: Array<SampleView | undefined> = new Array<SampleView | undefined>(RECENT_TOTALS);
const recentTotals: Float64Array[] = [];
/** Each slot's occupied blocks, in a buffer of the block count (recentOccupied[k] is the view of its used part). */
const occupiedBuffers: Uint32Array[] = [];
const recentOccupied: Uint32Array[] = [];
let nextRecent = 0;
/** Marks of the blocks seen while a view's occupied blocks are listed; all 0 between calls. */
let seenScratch = new Uint8Array(0);

/** Observations per block. The array may be shared by callers asking about the same view: do not modify it. */
export function blockTotals(view: SampleView): Float64Array | null {
  const k = recentSlot(view);
  return k === -1 ? null : recentTotals[k];
}

/**
 * The blocks holding at least one observation, ascending. Every per-block count of the view is 0 elsewhere, so a
 * quiet endpoint's per-quantile series (a few requests in a window of 120 blocks or more) are filled and summed
 * over these alone (issue 12: the dense passes were most of the analysis at 100 000 endpoints). Shared: read only.
 */
export function occupiedBlocks(view: SampleView): Uint32Array | null {
  const k = recentSlot(view);
  return k === -1 ? null : recentOccupied[k];
}

function recentSlot(view: SampleView): number {
  if (!view.timed) return -1;
  for (let k = 0; k < RECENT_TOTALS; k++) if (recentViews[k] === view) return k;
  const k = nextRecent;
  nextRecent = (nextRecent + 1) % RECENT_TOTALS;
  const blockCount = view.timed.blockCount;
  let out = recentTotals[k];
  if (out === undefined || out.length !== blockCount) out = new Float64Array(blockCount);
  else out.fill(0);
  countBlockTotals(view, out);
  // Blocks with any observation or cell (not "total ≠ 0": cells that cancel would leave a block out whose other
  // counts are not all zero), ascending: marked, then listed by one pass over the blocks.
  if (seenScratch.length < blockCount) seenScratch = new Uint8Array(blockCount);
  const seen = seenScratch;
  const blocks = view.kind === 'raw' ? view.timed.blocks : view.timed.cells.block;
  for (let i = 0; i < blocks.length; i++) seen[blocks[i]] = 1;
  let buffer = occupiedBuffers[k];
  if (buffer === undefined || buffer.length < blockCount) buffer = occupiedBuffers[k] = new Uint32Array(blockCount);
  let j = 0;
  for (let i = 0; i < blockCount; i++) {
    if (seen[i] !== 0) {
      buffer[j++] = i;
      seen[i] = 0;
    }
  }
  recentViews[k] = view;
  recentTotals[k] = out;
  recentOccupied[k] = buffer.subarray(0, j);
  return k;
}

function countBlockTotals(view: SampleView, out: Float64Array): void {
  if (!view.timed) return;
  if (view.kind === 'raw') {
    const { blocks } = view.timed;
    for (let i = 0; i < blocks.length; i++) out[blocks[i]]++;
  } else {
    const { cells } = view.timed;
    for (let i = 0; i < cells.block.length; i++) out[cells.block[i]] += cells.count[i];
  }
}

/**
 * Observations per block strictly above `threshold` (`orEqual`: at or above). For a histogram the threshold is a
 * bucket edge: "above" counts buckets whose lower edge is at or above it, "at or above" also the bucket it closes
 * (the same rule as countAbove / countAtOrAbove in sample-view.ts, so the block counts add up to those totals).
 */
export function blockCountsAbove(view: SampleView, threshold: number, orEqual: boolean, into?: (length: number) => Float64Array): Float64Array | null {
  if (!view.timed) return null;
  // `into`: where to count (an array of zeros of that length), e.g. a scratch array the caller does not keep.
  const out = into ? into(view.timed.blockCount) : new Float64Array(view.timed.blockCount);
  if (view.kind === 'raw') {
    const { values, blocks } = view.timed;
    if (orEqual) {
      for (let i = 0; i < values.length; i++) if (values[i] >= threshold) out[blocks[i]]++;
    } else {
      for (let i = 0; i < values.length; i++) if (values[i] > threshold) out[blocks[i]]++;
    }
    return out;
  }
  const counted = bucketsCounted(view, threshold, orEqual);
  const { cells } = view.timed;
  for (let i = 0; i < cells.block.length; i++) if (counted[cells.bucket[i]]) out[cells.block[i]] += cells.count[i];
  return out;
}

/** Observations per block at or below `threshold` (the indicator whose share is the quantile level). */
export function blockCountsAtOrBelow(view: SampleView, threshold: number, into?: (length: number) => Float64Array): Float64Array | null {
  const totals = blockTotals(view);
  const occupied = occupiedBlocks(view);
  const above = blockCountsAbove(view, threshold, false, into);
  if (!totals || !occupied || !above) return null;
  // In place in `above` (the caller's): the totals are shared. An empty block stays 0 (0 − 0, as before).
  for (let j = 0; j < occupied.length; j++) {
    const i = occupied[j];
    above[i] = totals[i] - above[i];
  }
  return above;
}

function bucketsCounted(view: HistogramView, threshold: number, orEqual: boolean): Uint8Array {
  const counted = new Uint8Array(view.counts.length);
  for (let i = 0; i < view.counts.length; i++) {
    const lo = i === 0 ? view.lowerBound : view.upperBounds[i - 1];
    counted[i] = orEqual ? (view.upperBounds[i] >= threshold ? 1 : 0) : lo >= threshold ? 1 : 0;
  }
  return counted;
}

/** The view without the observations of the blocks in `drop` (an incident's minutes taken out of the comparison). */
export function withoutBlocks(view: SampleView, drop: ReadonlySet<number>): SampleView {
  if (!view.timed || drop.size === 0) return view;
  if (view.kind === 'raw') {
    const { values, blocks, blockCount } = view.timed;
    let kept = 0;
    for (let i = 0; i < blocks.length; i++) if (!drop.has(blocks[i])) kept++;
    const v = new Float64Array(kept);
    const b = new Uint32Array(kept);
    let j = 0;
    for (let i = 0; i < blocks.length; i++) {
      if (drop.has(blocks[i])) continue;
      v[j] = values[i];
      b[j++] = blocks[i];
    }
    // With a variance history only the baseline periods' values are the view's values (sample-view.ts viewOf).
    const level = view.timed.periods?.levelBlocks;
    const sorted = sortFloat64(level !== undefined && level < blockCount ? valuesBefore(v, b, level) : v);
    return { kind: 'raw', n: sorted.length, sorted, timed: { ...view.timed, blockCount, values: v, blocks: b } };
  }
  const { cells, blockCount } = view.timed;
  const counts = new Float64Array(view.counts.length);
  const keep: number[] = [];
  const level = view.timed.periods?.levelBlocks ?? Infinity;
  for (let i = 0; i < cells.block.length; i++) {
    if (drop.has(cells.block[i])) continue;
    keep.push(i);
    if (cells.block[i] < level) counts[cells.bucket[i]] += cells.count[i];
  }
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  const pick = <T extends Uint32Array | Float64Array>(a: T, make: (len: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((k, j) => (out[j] = a[k]));
    return out;
  };
  return {
    kind: 'histogram',
    n,
    upperBounds: view.upperBounds,
    counts,
    lowerBound: view.lowerBound,
    timed: {
      ...view.timed,
      blockCount,
      cells: { block: pick(cells.block, (l) => new Uint32Array(l)), bucket: pick(cells.bucket, (l) => new Uint32Array(l)), count: pick(cells.count, (l) => new Float64Array(l)) },
    },
  };
}
