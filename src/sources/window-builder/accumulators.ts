/**
 * What the builder accumulates per subject and window, and the table that finds or creates a subject. Shared by
 * the builder (adding points), builder-state.ts (thread export/merge) and build-windows.ts (the handoff).
 */
import { AppError } from '../../errors.ts';
import type { GrowableFloat64, GrowableUint32 } from './growable-float64.ts';
import { createTimelineSketch, type TimelineSketch } from './timeline-sketch.ts';

/** interval start → (le → cumulative count) */
export type IntervalBuckets = Map<number, Map<number, number>>;

export interface LatencyWindowAcc {
  raw: GrowableFloat64 | null;
  /** Time block of each raw value (parallel to `raw`). */
  rawBlocks: GrowableUint32 | null;
  hist: IntervalBuckets | null;
}

export interface LatencySubject {
  service: string;
  endpoint: string;
  windows: [LatencyWindowAcc, LatencyWindowAcc];
  /** Null when the builder keeps no timelines (they are drawn on charts only; see WindowBuilderOptions.timelines). */
  timeline: TimelineSketch | null;
}

export interface UpstreamWindowAcc {
  rawCalls: number;
  rawRetries: number;
  rawExhausted: number;
  rawBackoff: GrowableFloat64 | null;
  /** Time block of each backoff value (parallel to `rawBackoff`). */
  rawBackoffBlocks: GrowableUint32 | null;
  /** Calls, retries and exhausted calls per time block of the window (raw calls and counters alike). */
  blockCalls: Float64Array;
  blockRetries: Float64Array;
  blockExhausted: Float64Array;
  counterPoints: number;
  counterCalls: number;
  counterRetries: number;
  counterExhausted: number;
  /** Backoff histogram of the counters form: upper bound → count. */
  counterBackoff: Map<number, number> | null;
}

/** Calls, retries and exhausted calls per timeline interval. */
export interface UpstreamIntervals {
  calls: Float64Array;
  retries: Float64Array;
  exhausted: Float64Array;
}

export interface UpstreamSubject {
  service: string;
  upstream: string;
  windows: [UpstreamWindowAcc, UpstreamWindowAcc];
  /** Null when the builder keeps no timelines. */
  timeline: UpstreamIntervals | null;
}

export const WINDOW_NAMES = ['before', 'after'] as const;

function newUpstreamWindow(blocks: number): UpstreamWindowAcc {
  return {
    rawCalls: 0,
    rawRetries: 0,
    rawExhausted: 0,
    rawBackoff: null,
    rawBackoffBlocks: null,
    blockCalls: new Float64Array(blocks),
    blockRetries: new Float64Array(blocks),
    blockExhausted: new Float64Array(blocks),
    counterPoints: 0,
    counterCalls: 0,
    counterRetries: 0,
    counterExhausted: 0,
    counterBackoff: null,
  };
}

/** map[key] += amount (missing = 0). */
export function addTo<K>(map: Map<K, number>, key: K, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/**
 * Distinct series (latency: service × endpoint; upstream: service × upstream) one analysis accepts by default
 * (config input.maxSeries, CLI --max-series). Memory and time grow linearly with series, but the report itself
 * grows too (five findings per endpoint, ~3.5 KB of JSON per endpoint): 16 000 quiet endpoints peak near
 * 210 MB, 100 000 (the cap raised) near 800 MB (bench/scale.ts, 2026-12-03), most of it the report's findings.
 * A runaway tag (a request id in the endpoint tag) is refused at once instead of exhausting the machine.
 */
export const DEFAULT_MAX_SERIES = 20_000;

/** Subjects by service and name; filters are the builder's business, not this table's. */
export class SubjectTable {
  /** Nested maps (service → name → subject) so a lookup needs no string concatenation per point. */
  private readonly latencyByService = new Map<string, Map<string, LatencySubject>>();
  private readonly upstreamByService = new Map<string, Map<string, UpstreamSubject>>();
  private readonly intervals: number;
  /** Time blocks of the before and after window. */
  private readonly blocks: [number, number];

  private readonly maxSeries: number;
  /** Whether subjects get timelines (per-interval state: most of a quiet subject's memory). */
  readonly timelines: boolean;
  private series = 0;

  constructor(intervals: number, blocks: [number, number], maxSeries = DEFAULT_MAX_SERIES, timelines = true) {
    this.intervals = intervals;
    this.blocks = blocks;
    this.maxSeries = maxSeries;
    this.timelines = timelines;
  }

  /** Counts a new subject; refuses the one past the cap, naming it and how to raise the cap. */
  private admitNew(kind: string, service: string, name: string): void {
    if (this.series >= this.maxSeries) {
      throw new AppError(
        'BAD_INPUT',
        `more than ${this.maxSeries} distinct series in the windows (the series cap; the next one was ${kind} ${service} ${name}): ` +
          'raise input.maxSeries in the config or pass --max-series N (memory grows with series), or narrow the analysis with --service / --endpoint',
      );
    }
    this.series++;
  }

  latency(service: string, endpoint: string): LatencySubject {
    let byEndpoint = this.latencyByService.get(service);
    if (byEndpoint === undefined) {
      byEndpoint = new Map();
      this.latencyByService.set(service, byEndpoint);
    }
    let s = byEndpoint.get(endpoint);
    if (s === undefined) {
      this.admitNew('latency', service, endpoint);
      s = {
        service,
        endpoint,
        windows: [
          { raw: null, rawBlocks: null, hist: null },
          { raw: null, rawBlocks: null, hist: null },
        ],
        timeline: this.timelines ? createTimelineSketch(this.intervals) : null,
      };
      byEndpoint.set(endpoint, s);
    }
    return s;
  }

  upstream(service: string, upstream: string): UpstreamSubject {
    let byUpstream = this.upstreamByService.get(service);
    if (byUpstream === undefined) {
      byUpstream = new Map();
      this.upstreamByService.set(service, byUpstream);
    }
    let s = byUpstream.get(upstream);
    if (s === undefined) {
      this.admitNew('upstream', service, upstream);
      s = {
        service,
        upstream,
        windows: [newUpstreamWindow(this.blocks[0]), newUpstreamWindow(this.blocks[1])],
        timeline: this.timelines ? { calls: new Float64Array(this.intervals), retries: new Float64Array(this.intervals), exhausted: new Float64Array(this.intervals) } : null,
      };
      byUpstream.set(upstream, s);
    }
    return s;
  }

  /** In insertion order (service first seen, then name first seen). */
  *latencySubjects(): IterableIterator<LatencySubject> {
    for (const byEndpoint of this.latencyByService.values()) yield* byEndpoint.values();
  }

  *upstreamSubjects(): IterableIterator<UpstreamSubject> {
    for (const byUpstream of this.upstreamByService.values()) yield* byUpstream.values();
  }
}
