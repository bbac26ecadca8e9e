/**
 * The per-interval latency distribution of one subject, behind a small interface so the implementation can be
 * swapped (issue 12: a sparse, mergeable sketch; issue 10: per-interval data for time-block inference) without
 * touching the builder, its thread state or the build. Today: LogBucketTimelineSketch.
 */
import type { LatencyTimeline } from '../../analysis/types.ts';
import { LogBucketTimelineColumnsWriter, LogBucketTimelineSketch, type LogBucketTimelineColumns } from './log-bucket-timeline-sketch.ts';

export interface TimelineSketch {
  /** Requests per interval. */
  readonly counts: Float64Array;
  /** Adds `count` requests of `valueMs` to interval `interval` (0 ≤ interval < intervals). */
  add(interval: number, valueMs: number, count: number): void;
  /** The p-quantile of one interval's requests; NaN when the interval has none. */
  quantile(interval: number, p: number): number;
  /** Appends this sketch, as the writer's next subject, to columns for `mergeColumns` in another thread. */
  exportTo(writer: TimelineColumnsWriter): void;
  /** Adds subject `subject` of exported columns (a sketch over the same intervals). */
  mergeColumns(columns: TimelineColumns, subject: number): void;
}

/** The exported form of the implementation in use, many subjects in a few arrays (swapped together with createTimelineSketch). */
export type TimelineColumns = LogBucketTimelineColumns;
export type TimelineColumnsWriter = LogBucketTimelineColumnsWriter;

export function createTimelineSketch(intervals: number): TimelineSketch {
  return new LogBucketTimelineSketch(intervals);
}

/** Collects sketches (one per subject, in order) into TimelineColumns: `writer.finish(transfer)` at the end. */
export function createTimelineColumnsWriter(): TimelineColumnsWriter {
  return new LogBucketTimelineColumnsWriter();
}

/** The timeline of one subject: count, p50 and p99 per interval (NaN for empty intervals). */
export function latencyTimeline(sketch: TimelineSketch, t: Float64Array, intervalMs: number): LatencyTimeline {
  const n = sketch.counts.length;
  const p50 = new Float64Array(n);
  const p99 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    p50[i] = sketch.quantile(i, 0.5);
    p99[i] = sketch.quantile(i, 0.99);
  }
  return { intervalMs, t, count: sketch.counts, p50, p99 };
}
