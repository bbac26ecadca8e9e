/**
 * TimelineSketch over the fixed log-spaced buckets of stats/logBucketBounds (2 % wide from 0.01 ms, 1 200
 * buckets, the last one open), per interval that has data: sparse (occupied buckets only) while it has few distinct
 * buckets, then one dense bucket array, so memory grows with subjects × busy intervals, not with volume, and a
 * quiet interval costs bytes, not kilobytes (issue 12: 16 000 endpoints took 1.9 GB with dense arrays). Quantiles are nearest-rank and reported at the
 * bucket's geometric middle (≈1 % relative error).
 */
import { bucketIndex } from '../../stats/bucket-index.ts';
import { logBucketBounds } from '../../stats/log-bucket-bounds.ts';
import { GrowableFloat64, GrowableUint32 } from './growable-float64.ts';
import type { TimelineSketch } from './timeline-sketch.ts';

/** Lowest latency the timeline buckets resolve (ms); smaller values fall into the first bucket. */
export const TIMELINE_MIN_MS = 0.01;
/** Bucket growth factor: 2 % relative resolution for p50/p99 on charts. */
export const TIMELINE_BUCKET_RATIO = 1.02;
/** Bucket count covering TIMELINE_MIN_MS … ~2e8 ms (55 h), beyond which values share the last (open) bucket. */
export const TIMELINE_BUCKETS = 1200;

/** Upper edges TIMELINE_MIN_MS·ratio^i for i = 0 … TIMELINE_BUCKETS − 2, then Infinity. */
export const TIMELINE_BOUNDS = logBucketBounds({
  min: TIMELINE_MIN_MS,
  max: TIMELINE_MIN_MS * Math.pow(TIMELINE_BUCKET_RATIO, TIMELINE_BUCKETS - 2),
  ratio: TIMELINE_BUCKET_RATIO,
});

const LOG_MIN = Math.log(TIMELINE_MIN_MS);
const LOG_RATIO = Math.log(TIMELINE_BUCKET_RATIO);

/**
 * The value a bucket's requests are reported at: its geometric middle min·ratio^(i − ½), for the open last
 * bucket as if it were as wide as the others; bucket 0 (everything ≤ the first edge) at that edge. Written in
 * logs, as the timelines have always been computed, so stored series stay the same to the last bit.
 */
const REPRESENTATIVE = Float64Array.from({ length: TIMELINE_BUCKETS }, (_, i) => (i === 0 ? TIMELINE_MIN_MS : Math.exp(LOG_MIN + (i - 0.5) * LOG_RATIO)));

/**
 * Bucket of a latency; ≤ TIMELINE_MIN_MS, negative and NaN go to bucket 0 (bucketIndex would refuse NaN).
 * The logarithm only tells bucketIndex where to start looking (a plain binary search over the 1 200 edges made
 * this per-request lookup several times slower); the edges alone decide the bucket.
 */
export function timelineBucket(valueMs: number): number {
  return valueMs > TIMELINE_MIN_MS ? bucketIndex(TIMELINE_BOUNDS, valueMs, (Math.log(valueMs) - LOG_MIN) / LOG_RATIO + 1) : 0;
}

/**
 * An interval's buckets while few are occupied: bucket ids ascending with their counts (6 bytes per occupied bucket
 * instead of 4.8 KB for all 1 200). Counts are Uint32 as in the dense array, so sums wrap and truncate alike and
 * the quantiles are the dense ones to the last bit.
 */
export interface SparseBuckets {
  ids: Uint16Array;
  counts: Uint32Array;
  length: number;
}

/** One interval: sparse while it has few distinct buckets, then the dense array over every bucket. */
type IntervalBuckets = SparseBuckets | Uint32Array;

/**
 * Distinct buckets an interval keeps sparse before it goes dense (4.8 KB): the quiet intervals of high-cardinality
 * data (a request or two per endpoint and minute) stay at a few bytes, while a busy interval goes dense after a
 * handful of requests, so its adds are an index again (at 128, the sorted inserts of a shuffled 2.3 M-line file
 * cost 2–3× the dense adds; at 16 they are lost in the noise).
 */
export const SPARSE_MAX_BUCKETS = 16;
const SPARSE_INITIAL = 4;

/** Position of `id` in the sorted ids, or −(insertion point) − 1. */
function findId(s: SparseBuckets, id: number): number {
  const ids = s.ids;
  let lo = 0;
  let hi = s.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid];
    if (v < id) lo = mid + 1;
    else if (v > id) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function toDense(s: SparseBuckets): Uint32Array {
  const d = new Uint32Array(TIMELINE_BUCKETS);
  for (let k = 0; k < s.length; k++) d[s.ids[k]] = s.counts[k];
  return d;
}

/** Adds `count` to bucket `id`; returns the interval's storage (dense once the sparse one is full). */
function addToBuckets(b: IntervalBuckets, id: number, count: number): IntervalBuckets {
  if (b instanceof Uint32Array) {
    b[id] += count;
    return b;
  }
  const at = findId(b, id);
  if (at >= 0) {
    b.counts[at] += count;
    return b;
  }
  if (b.length === SPARSE_MAX_BUCKETS) {
    const d = toDense(b);
    d[id] += count;
    return d;
  }
  const pos = -at - 1;
  if (b.length === b.ids.length) {
    const cap = Math.min(SPARSE_MAX_BUCKETS, b.ids.length * 2);
    const ids = new Uint16Array(cap);
    const counts = new Uint32Array(cap);
    ids.set(b.ids);
    counts.set(b.counts);
    b.ids = ids;
    b.counts = counts;
  }
  b.ids.copyWithin(pos + 1, pos, b.length);
  b.counts.copyWithin(pos + 1, pos, b.length);
  b.ids[pos] = id;
  b.counts[pos] = 0;
  b.counts[pos] += count;
  b.length++;
  return b;
}

/**
 * The exported sketches of many subjects, column by column, for another thread's builder: subject k's intervals
 * with data are entries `subjectStart[k]` … `subjectStart[k + 1]` − 1, entry e is interval `interval[e]` with
 * `count[e]` requests in the buckets `bucketStart[e]` … `bucketStart[e + 1]` − 1 (`ids`, `bucketCounts`). A handful
 * of arrays per builder instead of a dense count array and a few small arrays per subject: a segment of a shuffled
 * file holds nearly every subject, and at 100 000 endpoints those were gigabytes (issue 12).
 */
export interface LogBucketTimelineColumns {
  subjectStart: Uint32Array;
  interval: Uint32Array;
  count: Float64Array;
  bucketStart: Uint32Array;
  ids: Uint16Array;
  bucketCounts: Uint32Array;
}

/** Collects the sketches of a builder's subjects, one `add` per subject in order, into LogBucketTimelineColumns. */
export class LogBucketTimelineColumnsWriter {
  private readonly subjectStart = new GrowableUint32();
  private readonly interval = new GrowableUint32();
  private readonly count = new GrowableFloat64();
  private readonly bucketStart = new GrowableUint32();
  private readonly ids = new GrowableUint32();
  private readonly bucketCounts = new GrowableUint32();

  /** Appends one subject's intervals with data. */
  add(sketch: LogBucketTimelineSketch): void {
    this.subjectStart.push(this.interval.length);
    sketch.forEachInterval((interval, buckets) => {
      this.interval.push(interval);
      this.count.push(sketch.counts[interval]);
      this.bucketStart.push(this.ids.length);
      if (buckets instanceof Uint32Array) {
        for (let id = 0; id < buckets.length; id++) {
          if (buckets[id] === 0) continue;
          this.ids.push(id);
          this.bucketCounts.push(buckets[id]);
        }
      } else {
        for (let k = 0; k < buckets.length; k++) {
          this.ids.push(buckets.ids[k]);
          this.bucketCounts.push(buckets.counts[k]);
        }
      }
    });
  }

  /** The columns; their buffers are pushed onto `transfer`. */
  finish(transfer: ArrayBuffer[]): LogBucketTimelineColumns {
    this.subjectStart.push(this.interval.length);
    this.bucketStart.push(this.ids.length);
    const columns: LogBucketTimelineColumns = {
      subjectStart: this.subjectStart.toArray(),
      interval: this.interval.toArray(),
      count: this.count.toArray(),
      bucketStart: this.bucketStart.toArray(),
      ids: Uint16Array.from(this.ids.toArray()),
      bucketCounts: this.bucketCounts.toArray(),
    };
    for (const a of Object.values(columns)) transfer.push((a as Uint32Array).buffer as ArrayBuffer);
    return columns;
  }
}

export class LogBucketTimelineSketch implements TimelineSketch {
  readonly counts: Float64Array;
  /**
   * Dense intervals by index, allocated when the first interval goes dense (a busy subject: the array costs
   * ~1 KB, the lookup an index, as before the sparse form existed); sparse intervals in a Map, so a quiet
   * subject pays for the intervals it has data in only.
   */
  private dense: Array<Uint32Array | undefined> | null = null;
  private readonly sparse = new Map<number, SparseBuckets>();

  constructor(intervals: number) {
    this.counts = new Float64Array(intervals);
  }

  add(interval: number, valueMs: number, count: number): void {
    const id = timelineBucket(valueMs);
    const d = this.dense?.[interval];
    if (d !== undefined) d[id] += count;
    else this.addSparse(interval, id, count);
    this.counts[interval] += count;
  }

  /** Bucket storage of an interval without a dense array yet; moves it to the dense array when full. */
  private addSparse(interval: number, id: number, count: number): void {
    const s = this.sparse.get(interval);
    if (s === undefined) {
      const fresh: SparseBuckets = { ids: new Uint16Array(SPARSE_INITIAL), counts: new Uint32Array(SPARSE_INITIAL), length: 1 };
      fresh.ids[0] = id;
      fresh.counts[0] += count;
      this.sparse.set(interval, fresh);
      return;
    }
    const after = addToBuckets(s, id, count);
    if (after instanceof Uint32Array) this.setDense(interval, after);
  }

  private setDense(interval: number, d: Uint32Array): void {
    this.sparse.delete(interval);
    if (this.dense === null) this.dense = new Array<Uint32Array | undefined>(this.counts.length).fill(undefined);
    this.dense[interval] = d;
  }

  private buckets(interval: number): IntervalBuckets | undefined {
    return this.dense?.[interval] ?? this.sparse.get(interval);
  }

  quantile(interval: number, p: number): number {
    const b = this.buckets(interval);
    const total = this.counts[interval];
    if (b === undefined || total === 0) return NaN;
    // Nearest rank: the buckets are too coarse for interpolation to matter.
    const rank = Math.max(1, Math.ceil(p * total));
    let seen = 0;
    if (b instanceof Uint32Array) {
      for (let i = 0; i < b.length; i++) {
        seen += b[i];
        if (seen >= rank) return REPRESENTATIVE[i];
      }
      return NaN;
    }
    for (let k = 0; k < b.length; k++) {
      seen += b.counts[k];
      if (seen >= rank) return REPRESENTATIVE[b.ids[k]];
    }
    return NaN;
  }

  exportTo(writer: LogBucketTimelineColumnsWriter): void {
    writer.add(this);
  }

  /** Calls `f` for every interval holding buckets (dense or sparse), in no particular order. */
  forEachInterval(f: (interval: number, buckets: Uint32Array | SparseBuckets) => void): void {
    this.dense?.forEach((d, i) => d !== undefined && f(i, d));
    for (const [i, b] of this.sparse) f(i, b);
  }

  /** Adds subject `subject` of exported columns (a sketch over the same intervals). */
  mergeColumns(c: LogBucketTimelineColumns, subject: number): void {
    for (let e = c.subjectStart[subject]; e < c.subjectStart[subject + 1]; e++) {
      const i = c.interval[e];
      const b = this.buckets(i);
      const from = c.bucketStart[e];
      const to = c.bucketStart[e + 1];
      const capacity = Math.min(SPARSE_MAX_BUCKETS, Math.max(SPARSE_INITIAL, to - from));
      let into: IntervalBuckets = b ?? { ids: new Uint16Array(capacity), counts: new Uint32Array(capacity), length: 0 };
      // Uint32 sums, as in the dense array: the same whatever the order and wherever the switch to dense falls.
      for (let k = from; k < to; k++) into = addToBuckets(into, c.ids[k], c.bucketCounts[k]);
      if (into instanceof Uint32Array) {
        if (into !== b) this.setDense(i, into);
      } else this.sparse.set(i, into);
      this.counts[i] += c.count[e];
    }
  }
}
