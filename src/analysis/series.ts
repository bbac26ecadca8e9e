/**
 * Compact series kept next to a report for charts: quantile sketches at fixed probabilities (an ECDF that does not
 * grow with volume, dense in the tail where the story usually is) and per-interval timelines.
 */
import { histogramQuantile, typeSevenQuantile } from '../stats/index.ts';
import type { SampleView } from './sample-view.ts';
import type { DistributionSketch, LatencyTimeline, ReportSeries, UpstreamTimeline } from './types.ts';

/** 1 %…99 % in steps of 1 %, then denser towards the tail up to p99.99. */
export const DEFAULT_SKETCH_PROBS: number[] = (() => {
  const p: number[] = [0.001, 0.005];
  for (let i = 1; i <= 99; i++) p.push(i / 100);
  p.push(0.991, 0.992, 0.993, 0.994, 0.995, 0.996, 0.997, 0.998, 0.999, 0.9995, 0.9999);
  return p;
})();

/**
 * Up to this many raw observations are kept as they are (`exact`): interpolated quantiles of 4 retried calls
 * drew a smooth curve that implied far more data than there was.
 */
export const DEFAULT_SKETCH_EXACT_MAX = 200;

export function sketchOf(view: SampleView, probs: number[] = DEFAULT_SKETCH_PROBS, exactMax = DEFAULT_SKETCH_EXACT_MAX): DistributionSketch {
  const values = probs.map((p): number | null => {
    // A quantile beyond the last order statistic would only repeat the maximum: leave it out.
    if (view.n === 0 || p > 1 - 1 / view.n) return null;
    if (view.kind === 'raw') return typeSevenQuantile(view.sorted, p);
    const v = histogramQuantile(view.upperBounds, view.counts, p, view.lowerBound);
    return Number.isFinite(v) ? v : null;
  });
  const sketch: DistributionSketch = { probs, values, n: view.n };
  if (view.kind === 'raw' && view.n > 0 && view.n <= exactMax) sketch.exact = Array.from(view.sorted);
  return sketch;
}

/**
 * The interval times as a plain array, one per times array: every series of a handoff shares the builder's one
 * times array, so its JSON form is shared too (100 000 endpoints held 100 000 copies of the same 240 times). Treat
 * the arrays of a ReportSeries as read-only.
 */
const TIMES_JSON = new WeakMap<Float64Array, number[]>();
function timesJson(t: Float64Array): number[] {
  let json = TIMES_JSON.get(t);
  if (json === undefined) {
    json = Array.from(t);
    TIMES_JSON.set(t, json);
  }
  return json;
}

export function latencyTimelineJson(t: LatencyTimeline | undefined): ReportSeries['latency'][number]['timeline'] {
  if (!t) return undefined;
  return {
    intervalMs: t.intervalMs,
    t: timesJson(t.t),
    count: Array.from(t.count),
    p50: Array.from(t.p50, nullIfNaN),
    p99: Array.from(t.p99, nullIfNaN),
  };
}

export function upstreamTimelineJson(t: UpstreamTimeline | undefined): ReportSeries['upstreams'][number]['timeline'] {
  if (!t) return undefined;
  return {
    intervalMs: t.intervalMs,
    t: timesJson(t.t),
    calls: Array.from(t.calls),
    retries: Array.from(t.retries),
    exhausted: Array.from(t.exhausted),
  };
}

function nullIfNaN(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
