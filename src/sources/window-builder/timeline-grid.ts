import type { TimeRange } from '../../analysis/types.ts';

/** More timeline points than this per subject are not useful on a chart; widen the interval instead. */
export const MAX_TIMELINE_POINTS = 2000;

/**
 * The intervals of the per-subject timelines over [min(before.start, after.start), max(stops)): the asked
 * interval, or a multiple of it when the windows would span more than MAX_TIMELINE_POINTS intervals.
 */
export class TimelineGrid {
  readonly start: number;
  /** The effective interval. */
  readonly intervalMs: number;
  readonly intervals: number;

  constructor(before: TimeRange, after: TimeRange, askedIntervalMs: number) {
    this.start = Math.min(before.start, after.start);
    const span = Math.max(before.stop, after.stop) - this.start;
    const asked = Math.max(1, askedIntervalMs);
    this.intervalMs = asked * Math.max(1, Math.ceil(span / asked / MAX_TIMELINE_POINTS));
    this.intervals = Math.max(1, Math.ceil(span / this.intervalMs));
  }

  /** Index of the interval holding `timeMs`, clamped to the grid. */
  intervalOf(timeMs: number): number {
    const i = Math.floor((timeMs - this.start) / this.intervalMs);
    return i < 0 ? 0 : i >= this.intervals ? this.intervals - 1 : i;
  }

  /** Interval start times (epoch ms). */
  times(): Float64Array {
    const t = new Float64Array(this.intervals);
    for (let i = 0; i < this.intervals; i++) t[i] = this.start + i * this.intervalMs;
    return t;
  }
}
