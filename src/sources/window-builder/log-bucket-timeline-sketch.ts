/**
 * TimelineSketch over the fixed log-spaced buckets of stats/logBucketBounds (2 % wide from 0.01 ms, 1 200
 * buckets, the last one open): one dense bucket array per interval, allocated when the interval gets data, so
 * memory grows with subjects × busy intervals, not with volume. Quantiles are nearest-rank and reported at the
 * bucket's geometric middle (≈1 % relative error).
 */
import { bucketIndex } from '../../stats/bucket-index.ts';
import { logBucketBounds } from '../../stats/log-bucket-bounds.ts';
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

export interface LogBucketTimelineState {
  /** (interval, bucket counts) of the intervals that have data. */
  intervals: Array<[number, Uint32Array]>;
  counts: Float64Array;
}

export class LogBucketTimelineSketch implements TimelineSketch {
  readonly counts: Float64Array;
  private readonly perInterval: Array<Uint32Array | undefined>;

  constructor(intervals: number) {
    this.perInterval = new Array<Uint32Array | undefined>(intervals);
    this.counts = new Float64Array(intervals);
  }

  add(interval: number, valueMs: number, count: number): void {
    let b = this.perInterval[interval];
    if (b === undefined) {
      b = new Uint32Array(TIMELINE_BUCKETS);
      this.perInterval[interval] = b;
    }
    b[timelineBucket(valueMs)] += count;
    this.counts[interval] += count;
  }

  quantile(interval: number, p: number): number {
    const b = this.perInterval[interval];
    const total = this.counts[interval];
    if (b === undefined || total === 0) return NaN;
    // Nearest rank: the buckets are too coarse for interpolation to matter.
    const rank = Math.max(1, Math.ceil(p * total));
    let seen = 0;
    for (let i = 0; i < b.length; i++) {
      seen += b[i];
      if (seen >= rank) return REPRESENTATIVE[i];
    }
    return NaN;
  }

  exportState(transfer: ArrayBuffer[]): LogBucketTimelineState {
    const intervals: Array<[number, Uint32Array]> = [];
    this.perInterval.forEach((b, i) => {
      if (b === undefined) return;
      intervals.push([i, b]);
      transfer.push(b.buffer as ArrayBuffer);
    });
    transfer.push(this.counts.buffer as ArrayBuffer);
    return { intervals, counts: this.counts };
  }

  mergeState(state: LogBucketTimelineState): void {
    for (const [i, buckets] of state.intervals) {
      const b = this.perInterval[i];
      if (b === undefined) this.perInterval[i] = buckets;
      else for (let k = 0; k < buckets.length; k++) b[k] += buckets[k];
    }
    for (let i = 0; i < state.counts.length; i++) this.counts[i] += state.counts[i];
  }
}
