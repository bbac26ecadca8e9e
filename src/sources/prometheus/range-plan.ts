/**
 * Which query_range calls cover one window. A value evaluated at t with `increase(m[range])` counts what happened
 * in (t − range, t], so evaluating at start + step, start + 2·step, … start + K·step with range = step gives the K
 * whole intervals of the window, each labelled by its start t − range (the WindowBuilder's interval and time-block
 * key). Prometheus refuses more than 11 000 points per series, so long windows are split into several calls of at
 * most `maxPoints` evaluations each (same step, so the time blocks of the clustered inference stay as asked); a
 * window that is not a whole number of steps gets one more evaluation at its stop with the remainder as range.
 */
import type { TimeRange } from '../../analysis/types.ts';

export interface RangeCall {
  /** First and last evaluation time (ms, both evaluated). */
  startMs: number;
  endMs: number;
  stepMs: number;
  /** The `[range]` of increase(): the length of the interval each value covers. */
  rangeMs: number;
}

export function planWindow(window: TimeRange, stepMs: number, maxPoints: number): RangeCall[] {
  const length = window.stop - window.start;
  const whole = Math.floor(length / stepMs);
  const calls: RangeCall[] = [];
  for (let k = 1; k <= whole; k += maxPoints) {
    const last = Math.min(whole, k + maxPoints - 1);
    calls.push({ startMs: window.start + k * stepMs, endMs: window.start + last * stepMs, stepMs, rangeMs: stepMs });
  }
  const rest = length - whole * stepMs;
  // A remainder under a second would be an increase() over (almost) no samples: not worth a query.
  if (rest >= 1000) calls.push({ startMs: window.stop, endMs: window.stop, stepMs, rangeMs: Math.floor(rest) });
  return calls;
}
