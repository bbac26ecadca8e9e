/**
 * Collects telemetry points into the `MetricWindows` handoff. Shared by every source (line-protocol file,
 * demo generator, InfluxDB 1.x/2.x), so each of them only has to turn its wire format into calls below.
 *
 * Stable API (other sources depend on it; change additively only):
 * ```ts
 * const b = new WindowBuilder({ upgradeAt, before, after, services, endpoints, timelineIntervalMs: 60_000 });
 * // or: WindowBuilder.forQuery(query, { timelineIntervalMs, source: description })
 * b.addRequest('shop', '/checkout', timeMs, 412.5);                          // one raw request
 * b.addUpstreamCall('shop', 'payments-api', timeMs, 3, 850, true);           // one logical upstream call
 * b.addHistogramBucket('shop', '/checkout', intervalStartMs, 500, 1234);     // cumulative `le` count
 * b.addUpstreamCounters('shop', 'payments-api', intervalStartMs, { calls, retries, exhausted });
 * b.warn('InfluxDB returned a partial series for …');
 * const windows = b.build();   // MetricWindows; call once
 * ```
 * Every `add*` returns true when the point landed in a window and passed the filters, false otherwise.
 * `counts` tells how many points were kept, outside both windows, or filtered out.
 * Builders with the same options can be combined: `exportState()` (plain data, typed arrays listed for
 * transfer to another thread) and `mergeState(state)` (appends raw values in call order, adds the rest).
 *
 * Rules:
 * - Windows are half-open [start, stop). A point in neither window is ignored and counted (`outsideWindows`).
 * - `services` filters latency and upstream series; `endpoints` filters latency series only (upstream
 *   points carry no endpoint in the data contract). Empty or absent filter = everything.
 * - Raw values go into growable Float64Arrays (capacity doubles), trimmed once in `build()`.
 * - Histogram buckets: per (subject, window, interval start) the cumulative counts by `le` are collected and
 *   turned into non-cumulative `HistogramSamples` in `build()`; `le` may be `Infinity` ("+Inf").
 *   Interval results are summed bucket by bucket; a count that decreases with `le` is clamped to 0 and warned.
 * - Raw and pre-aggregated data for the same subject → warning, raw data kept.
 * - A subject with data in one window only is kept (the analysis reports insufficient_data) and warned.
 * - Timelines: per subject and per `timelineIntervalMs` interval over [before.start, after.stop): request count,
 *   p50 and p99 from fixed log-spaced buckets (≈2 % relative resolution), so memory does not grow with volume;
 *   upstream calls, retries and exhausted per interval. Empty intervals have p50/p99 = NaN. When the windows
 *   span more than MAX_TIMELINE_POINTS intervals, the interval is widened to a multiple of the asked one
 *   (the effective one is `timeline.intervalMs`).
 */
import type {
  HistogramSamples,
  LatencySeries,
  LatencyTimeline,
  MetricWindows,
  SampleSet,
  TimeRange,
  UpstreamSeries,
  UpstreamTimeline,
  UpstreamWindow,
} from '../../analysis/types.ts';
import type { MetricQuery } from '../metric-source.ts';

export interface WindowBuilderOptions {
  upgradeAt: number;
  before: TimeRange;
  after: TimeRange;
  /** Only these services (all when absent or empty). */
  services?: string[];
  /** Only these endpoints (all when absent or empty); upstream series are not filtered by endpoint. */
  endpoints?: string[];
  /** Interval of the per-subject timelines (config.input.timelineIntervalMs). */
  timelineIntervalMs: number;
  /** Copied onto MetricWindows.source. */
  source?: string;
}

export interface UpstreamCounters {
  /** Logical calls in the interval. */
  calls: number;
  /** Sum of (attempts − 1) in the interval. */
  retries: number;
  /** Calls that finally failed in the interval. */
  exhausted: number;
}

/** Non-cumulative backoff histogram of one interval's retried calls (same shape as HistogramSamples). */
export interface BackoffHistogram {
  upperBounds: ArrayLike<number>;
  counts: ArrayLike<number>;
}

export interface WindowBuilderCounts {
  kept: number;
  outsideWindows: number;
  filtered: number;
}

/** More timeline points than this per subject are not useful on a chart; widen the interval instead. */
export const MAX_TIMELINE_POINTS = 2000;
/** Lowest latency the timeline buckets resolve (ms); smaller values fall into the first bucket. */
export const TIMELINE_MIN_MS = 0.01;
/** Bucket growth factor: 2 % relative resolution for p50/p99 on charts. */
export const TIMELINE_BUCKET_RATIO = 1.02;
/** Bucket count covering TIMELINE_MIN_MS … ~1.6e7 ms (4.5 h), beyond which values share the last bucket. */
export const TIMELINE_BUCKETS = 1200;

const LOG_RATIO = Math.log(TIMELINE_BUCKET_RATIO);
const LOG_MIN = Math.log(TIMELINE_MIN_MS);
const INITIAL_CAPACITY = 1024;

/** Append-only Float64Array whose capacity doubles on growth. */
export class GrowableFloat64 {
  private data: Float64Array;
  length = 0;

  constructor(capacity = INITIAL_CAPACITY) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  pushAll(values: Float64Array): void {
    if (this.length + values.length > this.data.length) {
      let cap = this.data.length * 2;
      while (cap < this.length + values.length) cap *= 2;
      const bigger = new Float64Array(cap);
      bigger.set(this.data.subarray(0, this.length));
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }

  /** A right-sized copy (the doubled buffer would otherwise keep up to twice the memory alive). */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

function timelineBucket(v: number): number {
  if (!(v > TIMELINE_MIN_MS)) return 0;
  const i = Math.floor((Math.log(v) - LOG_MIN) / LOG_RATIO) + 1;
  return i >= TIMELINE_BUCKETS ? TIMELINE_BUCKETS - 1 : i;
}

/** Geometric middle of bucket i (bucket 0 holds everything ≤ TIMELINE_MIN_MS). */
function timelineBucketValue(i: number): number {
  if (i === 0) return TIMELINE_MIN_MS;
  return Math.exp(LOG_MIN + (i - 0.5) * LOG_RATIO);
}

function quantileFromBuckets(buckets: Uint32Array, total: number, p: number): number {
  // Rank of the p-quantile (nearest-rank); the buckets are too coarse for interpolation to matter.
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= rank) return timelineBucketValue(i);
  }
  return NaN;
}

/** Per-interval latency sketch: one bucket array per interval, allocated only when the interval gets data. */
class LatencyTimelineSketch {
  readonly perInterval: Array<Uint32Array | undefined>;
  readonly counts: Float64Array;

  constructor(intervals: number) {
    this.perInterval = new Array<Uint32Array | undefined>(intervals);
    this.counts = new Float64Array(intervals);
  }

  /** Adds another sketch's buckets (same intervals). */
  merge(intervals: Array<[number, Uint32Array]>, counts: Float64Array): void {
    for (const [i, buckets] of intervals) {
      const b = this.perInterval[i];
      if (b === undefined) this.perInterval[i] = buckets;
      else for (let k = 0; k < buckets.length; k++) b[k] += buckets[k];
    }
    for (let i = 0; i < counts.length; i++) this.counts[i] += counts[i];
  }

  add(interval: number, value: number, count: number): void {
    let b = this.perInterval[interval];
    if (b === undefined) {
      b = new Uint32Array(TIMELINE_BUCKETS);
      this.perInterval[interval] = b;
    }
    b[timelineBucket(value)] += count;
    this.counts[interval] += count;
  }

  finish(t: Float64Array, intervalMs: number): LatencyTimeline {
    const n = this.counts.length;
    const p50 = new Float64Array(n).fill(NaN);
    const p99 = new Float64Array(n).fill(NaN);
    for (let i = 0; i < n; i++) {
      const b = this.perInterval[i];
      if (b === undefined || this.counts[i] === 0) continue;
      p50[i] = quantileFromBuckets(b, this.counts[i], 0.5);
      p99[i] = quantileFromBuckets(b, this.counts[i], 0.99);
    }
    return { intervalMs, t, count: this.counts, p50, p99 };
  }
}

/** interval start → (le → cumulative count) */
type IntervalBuckets = Map<number, Map<number, number>>;

interface LatencyWindowAcc {
  raw: GrowableFloat64 | null;
  hist: IntervalBuckets | null;
}

interface LatencySubject {
  service: string;
  endpoint: string;
  windows: [LatencyWindowAcc, LatencyWindowAcc];
  timeline: LatencyTimelineSketch;
}

interface UpstreamWindowAcc {
  rawCalls: number;
  rawRetries: number;
  rawExhausted: number;
  rawBackoff: GrowableFloat64 | null;
  counterPoints: number;
  counterCalls: number;
  counterRetries: number;
  counterExhausted: number;
  counterBackoff: Map<number, number> | null;
}

interface UpstreamSubject {
  service: string;
  upstream: string;
  windows: [UpstreamWindowAcc, UpstreamWindowAcc];
  calls: Float64Array;
  retries: Float64Array;
  exhausted: Float64Array;
}

const WINDOW_NAMES = ['before', 'after'] as const;

/**
 * Everything a builder collected, as plain structured-cloneable data (typed arrays listed in `transfer`), so a
 * builder in a worker thread can hand its part to the main thread's builder (`mergeState`).
 */
export interface WindowBuilderState {
  counts: WindowBuilderCounts;
  warnings: string[];
  latency: Array<{
    service: string;
    endpoint: string;
    windows: Array<{ raw: Float64Array | null; hist: Array<[number, Array<[number, number]>]> | null }>;
    timeline: { intervals: Array<[number, Uint32Array]>; counts: Float64Array };
  }>;
  upstreams: Array<{
    service: string;
    upstream: string;
    windows: Array<Omit<UpstreamWindowAcc, 'rawBackoff' | 'counterBackoff'> & { rawBackoff: Float64Array | null; counterBackoff: Array<[number, number]> | null }>;
    calls: Float64Array;
    retries: Float64Array;
    exhausted: Float64Array;
  }>;
  /** The typed arrays above, for postMessage's transfer list. */
  transfer: ArrayBuffer[];
}

function newUpstreamWindow(): UpstreamWindowAcc {
  return {
    rawCalls: 0,
    rawRetries: 0,
    rawExhausted: 0,
    rawBackoff: null,
    counterPoints: 0,
    counterCalls: 0,
    counterRetries: 0,
    counterExhausted: 0,
    counterBackoff: null,
  };
}

export class WindowBuilder {
  readonly counts: WindowBuilderCounts = { kept: 0, outsideWindows: 0, filtered: 0 };
  private readonly options: WindowBuilderOptions;
  private readonly warnings: string[] = [];
  private readonly serviceFilter: Set<string> | null;
  private readonly endpointFilter: Set<string> | null;
  /** Nested maps (service → name → subject) so a lookup needs no string concatenation per point. */
  private readonly latency = new Map<string, Map<string, LatencySubject>>();
  private readonly upstreams = new Map<string, Map<string, UpstreamSubject>>();
  private readonly timelineStart: number;
  private readonly intervalMs: number;
  private readonly intervals: number;
  private built = false;

  /** A builder for the windows and filters of a MetricQuery. */
  static forQuery(query: MetricQuery, options: { timelineIntervalMs: number; source?: string }): WindowBuilder {
    return new WindowBuilder({
      upgradeAt: query.upgradeAt,
      before: query.before,
      after: query.after,
      services: query.services,
      endpoints: query.endpoints,
      timelineIntervalMs: options.timelineIntervalMs,
      source: options.source,
    });
  }

  constructor(options: WindowBuilderOptions) {
    this.options = options;
    this.serviceFilter = options.services && options.services.length > 0 ? new Set(options.services) : null;
    this.endpointFilter = options.endpoints && options.endpoints.length > 0 ? new Set(options.endpoints) : null;
    this.timelineStart = Math.min(options.before.start, options.after.start);
    const span = Math.max(options.before.stop, options.after.stop) - this.timelineStart;
    const asked = Math.max(1, options.timelineIntervalMs);
    this.intervalMs = asked * Math.max(1, Math.ceil(span / asked / MAX_TIMELINE_POINTS));
    this.intervals = Math.max(1, Math.ceil(span / this.intervalMs));
  }

  /** 0 = before, 1 = after, -1 = neither. */
  windowOf(timeMs: number): number {
    const { before, after } = this.options;
    if (timeMs >= after.start && timeMs < after.stop) return 1;
    if (timeMs >= before.start && timeMs < before.stop) return 0;
    return -1;
  }

  private intervalOf(timeMs: number): number {
    const i = Math.floor((timeMs - this.timelineStart) / this.intervalMs);
    return i < 0 ? 0 : i >= this.intervals ? this.intervals - 1 : i;
  }

  /** Counts the point as kept, outside both windows, or filtered out; true when it is kept. */
  private admit(w: number, subject: unknown): subject is object {
    if (w < 0) {
      this.counts.outsideWindows++;
      return false;
    }
    if (subject === null) {
      this.counts.filtered++;
      return false;
    }
    this.counts.kept++;
    return true;
  }

  private latencySubject(service: string, endpoint: string): LatencySubject | null {
    if (this.serviceFilter !== null && !this.serviceFilter.has(service)) return null;
    if (this.endpointFilter !== null && !this.endpointFilter.has(endpoint)) return null;
    let byEndpoint = this.latency.get(service);
    if (byEndpoint === undefined) {
      byEndpoint = new Map();
      this.latency.set(service, byEndpoint);
    }
    let s = byEndpoint.get(endpoint);
    if (s === undefined) {
      s = {
        service,
        endpoint,
        windows: [
          { raw: null, hist: null },
          { raw: null, hist: null },
        ],
        timeline: new LatencyTimelineSketch(this.intervals),
      };
      byEndpoint.set(endpoint, s);
    }
    return s;
  }

  private upstreamSubject(service: string, upstream: string): UpstreamSubject | null {
    if (this.serviceFilter !== null && !this.serviceFilter.has(service)) return null;
    let byUpstream = this.upstreams.get(service);
    if (byUpstream === undefined) {
      byUpstream = new Map();
      this.upstreams.set(service, byUpstream);
    }
    let s = byUpstream.get(upstream);
    if (s === undefined) {
      s = {
        service,
        upstream,
        windows: [newUpstreamWindow(), newUpstreamWindow()],
        calls: new Float64Array(this.intervals),
        retries: new Float64Array(this.intervals),
        exhausted: new Float64Array(this.intervals),
      };
      byUpstream.set(upstream, s);
    }
    return s;
  }

  /** One request of `endpoint` taking `durationMs`. */
  addRequest(service: string, endpoint: string, timeMs: number, durationMs: number): boolean {
    const w = this.windowOf(timeMs);
    const s = w < 0 ? null : this.latencySubject(service, endpoint);
    if (!this.admit(w, s)) return false;
    const acc = s.windows[w];
    if (acc.raw === null) acc.raw = new GrowableFloat64();
    acc.raw.push(durationMs);
    s.timeline.add(this.intervalOf(timeMs), durationMs, 1);
    return true;
  }

  /** One logical upstream call: `attempts` tries (1 = no retry), `backoffMs` waited in total, `ok` = finally succeeded. */
  addUpstreamCall(service: string, upstream: string, timeMs: number, attempts: number, backoffMs: number, ok: boolean): boolean {
    const w = this.windowOf(timeMs);
    const s = w < 0 ? null : this.upstreamSubject(service, upstream);
    if (!this.admit(w, s)) return false;
    const acc = s.windows[w];
    const retries = attempts > 1 ? attempts - 1 : 0;
    acc.rawCalls++;
    acc.rawRetries += retries;
    if (!ok) acc.rawExhausted++;
    if (retries > 0) {
      if (acc.rawBackoff === null) acc.rawBackoff = new GrowableFloat64(256);
      acc.rawBackoff.push(backoffMs);
    }
    const i = this.intervalOf(timeMs);
    s.calls[i]++;
    s.retries[i] += retries;
    if (!ok) s.exhausted[i]++;
    return true;
  }

  /**
   * One bucket of a pre-aggregated latency histogram: `cumulativeCount` requests of the interval starting at
   * `timeMs` took ≤ `le` ms (`le` = Infinity for "+Inf"). All buckets of one interval share the same `timeMs`.
   */
  addHistogramBucket(service: string, endpoint: string, timeMs: number, le: number, cumulativeCount: number): boolean {
    const w = this.windowOf(timeMs);
    const s = w < 0 ? null : this.latencySubject(service, endpoint);
    if (!this.admit(w, s)) return false;
    const acc = s.windows[w];
    if (acc.hist === null) acc.hist = new Map();
    let buckets = acc.hist.get(timeMs);
    if (buckets === undefined) {
      buckets = new Map();
      acc.hist.set(timeMs, buckets);
    }
    // A repeated (interval, le) pair (e.g. two series merged by the query) adds up.
    buckets.set(le, (buckets.get(le) ?? 0) + cumulativeCount);
    return true;
  }

  /** Per-interval upstream counters (pre-aggregated form), optionally with the interval's backoff histogram. */
  addUpstreamCounters(service: string, upstream: string, timeMs: number, counters: UpstreamCounters, backoffHistogram?: BackoffHistogram): boolean {
    const w = this.windowOf(timeMs);
    const s = w < 0 ? null : this.upstreamSubject(service, upstream);
    if (!this.admit(w, s)) return false;
    const acc = s.windows[w];
    acc.counterPoints++;
    acc.counterCalls += counters.calls;
    acc.counterRetries += counters.retries;
    acc.counterExhausted += counters.exhausted;
    if (backoffHistogram) {
      if (acc.counterBackoff === null) acc.counterBackoff = new Map();
      for (let k = 0; k < backoffHistogram.upperBounds.length; k++) {
        const ub = backoffHistogram.upperBounds[k];
        acc.counterBackoff.set(ub, (acc.counterBackoff.get(ub) ?? 0) + backoffHistogram.counts[k]);
      }
    }
    const i = this.intervalOf(timeMs);
    s.calls[i] += counters.calls;
    s.retries[i] += counters.retries;
    s.exhausted[i] += counters.exhausted;
    return true;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** The collected data for another builder with the same options (see WindowBuilderState); then unusable. */
  exportState(): WindowBuilderState {
    this.built = true;
    const transfer: ArrayBuffer[] = [];
    const own = <T extends Float64Array | Uint32Array>(a: T): T => {
      transfer.push(a.buffer as ArrayBuffer);
      return a;
    };
    const latency: WindowBuilderState['latency'] = [];
    for (const byEndpoint of this.latency.values()) {
      for (const s of byEndpoint.values()) {
        const intervals: Array<[number, Uint32Array]> = [];
        s.timeline.perInterval.forEach((b, i) => {
          if (b !== undefined) intervals.push([i, own(b)]);
        });
        latency.push({
          service: s.service,
          endpoint: s.endpoint,
          windows: s.windows.map((w) => ({
            raw: w.raw === null ? null : own(w.raw.toArray()),
            hist: w.hist === null ? null : [...w.hist].map(([t, byLe]) => [t, [...byLe]] as [number, Array<[number, number]>]),
          })),
          timeline: { intervals, counts: own(s.timeline.counts) },
        });
      }
    }
    const upstreams: WindowBuilderState['upstreams'] = [];
    for (const byUpstream of this.upstreams.values()) {
      for (const s of byUpstream.values()) {
        upstreams.push({
          service: s.service,
          upstream: s.upstream,
          windows: s.windows.map((w) => ({
            ...w,
            rawBackoff: w.rawBackoff === null ? null : own(w.rawBackoff.toArray()),
            counterBackoff: w.counterBackoff === null ? null : [...w.counterBackoff],
          })),
          calls: own(s.calls),
          retries: own(s.retries),
          exhausted: own(s.exhausted),
        });
      }
    }
    return { counts: { ...this.counts }, warnings: [...this.warnings], latency, upstreams, transfer };
  }

  /** Adds the data of a builder created with the same options (e.g. in a worker reading another part of a file). */
  mergeState(state: WindowBuilderState): void {
    this.counts.kept += state.counts.kept;
    this.counts.outsideWindows += state.counts.outsideWindows;
    this.counts.filtered += state.counts.filtered;
    this.warnings.push(...state.warnings);
    for (const l of state.latency) {
      const s = this.latencySubject(l.service, l.endpoint) as LatencySubject;
      for (let w = 0; w < 2; w++) {
        const from = l.windows[w];
        const acc = s.windows[w];
        if (from.raw !== null) {
          if (acc.raw === null) acc.raw = new GrowableFloat64(Math.max(INITIAL_CAPACITY, from.raw.length));
          acc.raw.pushAll(from.raw);
        }
        if (from.hist !== null) {
          if (acc.hist === null) acc.hist = new Map();
          for (const [t, pairs] of from.hist) {
            let byLe = acc.hist.get(t);
            if (byLe === undefined) {
              byLe = new Map();
              acc.hist.set(t, byLe);
            }
            for (const [le, c] of pairs) byLe.set(le, (byLe.get(le) ?? 0) + c);
          }
        }
      }
      s.timeline.merge(l.timeline.intervals, l.timeline.counts);
    }
    for (const u of state.upstreams) {
      const s = this.upstreamSubject(u.service, u.upstream) as UpstreamSubject;
      for (let w = 0; w < 2; w++) {
        const from = u.windows[w];
        const acc = s.windows[w];
        acc.rawCalls += from.rawCalls;
        acc.rawRetries += from.rawRetries;
        acc.rawExhausted += from.rawExhausted;
        acc.counterPoints += from.counterPoints;
        acc.counterCalls += from.counterCalls;
        acc.counterRetries += from.counterRetries;
        acc.counterExhausted += from.counterExhausted;
        if (from.rawBackoff !== null) {
          if (acc.rawBackoff === null) acc.rawBackoff = new GrowableFloat64(Math.max(INITIAL_CAPACITY, from.rawBackoff.length));
          acc.rawBackoff.pushAll(from.rawBackoff);
        }
        if (from.counterBackoff !== null) {
          if (acc.counterBackoff === null) acc.counterBackoff = new Map();
          for (const [ub, c] of from.counterBackoff) acc.counterBackoff.set(ub, (acc.counterBackoff.get(ub) ?? 0) + c);
        }
      }
      for (let i = 0; i < this.intervals; i++) {
        s.calls[i] += u.calls[i];
        s.retries[i] += u.retries[i];
        s.exhausted[i] += u.exhausted[i];
      }
    }
  }

  /** True when at least one point landed in a window and passed the filters. */
  get hasData(): boolean {
    return this.counts.kept > 0;
  }

  /** The effective timeline interval (the asked one, or a multiple of it for long windows). */
  get timelineIntervalMs(): number {
    return this.intervalMs;
  }

  build(): MetricWindows {
    if (this.built) throw new Error('WindowBuilder.build() called twice');
    this.built = true;
    const t = new Float64Array(this.intervals);
    for (let i = 0; i < this.intervals; i++) t[i] = this.timelineStart + i * this.intervalMs;

    const latency: LatencySeries[] = [];
    for (const byEndpoint of this.latency.values()) {
      for (const s of byEndpoint.values()) latency.push(this.finishLatency(s, t));
    }
    const upstreams: UpstreamSeries[] = [];
    for (const byUpstream of this.upstreams.values()) {
      for (const s of byUpstream.values()) upstreams.push(this.finishUpstream(s, t));
    }
    const bySubject = (a: { service: string; name: string }, b: { service: string; name: string }): number =>
      a.service < b.service ? -1 : a.service > b.service ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    latency.sort((a, b) => bySubject({ service: a.service, name: a.endpoint }, { service: b.service, name: b.endpoint }));
    upstreams.sort((a, b) => bySubject({ service: a.service, name: a.upstream }, { service: b.service, name: b.upstream }));

    this.warnUnmatchedFilters(latency, upstreams);
    const out: MetricWindows = {
      upgradeAt: this.options.upgradeAt,
      before: { ...this.options.before },
      after: { ...this.options.after },
      latency,
      upstreams,
      warnings: this.warnings,
    };
    if (this.options.source !== undefined) out.source = this.options.source;
    return out;
  }

  /** A misspelt --service or --endpoint would only make the report smaller without a word: say which matched nothing. */
  private warnUnmatchedFilters(latency: LatencySeries[], upstreams: UpstreamSeries[]): void {
    const services = new Set([...latency.map((l) => l.service), ...upstreams.map((u) => u.service)]);
    for (const name of this.options.services ?? []) {
      if (!services.has(name)) this.warn(`service filter "${name}": no telemetry of that service in the windows`);
    }
    const endpoints = new Set(latency.map((l) => l.endpoint));
    for (const name of this.options.endpoints ?? []) {
      if (!endpoints.has(name)) this.warn(`endpoint filter "${name}": no requests of that endpoint in the windows`);
    }
  }

  private finishLatency(s: LatencySubject, t: Float64Array): LatencySeries {
    const label = `${s.service} ${s.endpoint}`;
    const sets: SampleSet[] = [];
    for (let w = 0; w < 2; w++) {
      const acc = s.windows[w];
      if (acc.raw !== null && acc.hist !== null) {
        this.warn(`${label}: both raw requests and histogram buckets in the ${WINDOW_NAMES[w]} window; using the raw requests`);
      }
      if (acc.raw !== null) sets.push({ kind: 'raw', values: acc.raw.toArray() });
      else if (acc.hist !== null) sets.push(this.histogramFromIntervals(acc.hist, label, s.timeline));
      else sets.push({ kind: 'raw', values: new Float64Array(0) });
    }
    if (s.windows[0].raw !== null && s.windows[1].raw === null && s.windows[1].hist !== null) {
      this.warn(`${label}: raw requests before but histogram buckets after the upgrade; the comparison mixes exact and bucketed data`);
    }
    this.warnIfOneSided(label, 'requests', sets.map(sampleCount));
    return { service: s.service, endpoint: s.endpoint, before: sets[0], after: sets[1], timeline: s.timeline.finish(t, this.intervalMs) };
  }

  /** Cumulative `le` counts per interval → one non-cumulative histogram over the window; also feeds the timeline. */
  private histogramFromIntervals(intervals: IntervalBuckets, label: string, timeline: LatencyTimelineSketch): HistogramSamples {
    const totals = new Map<number, number>();
    let firstBounds: string | null = null;
    let boundsDiffer = false;
    let decreasing = 0;
    for (const [timeMs, byLe] of intervals) {
      const les = [...byLe.keys()].sort((a, b) => a - b);
      const key = les.join(',');
      if (firstBounds === null) firstBounds = key;
      else if (key !== firstBounds) boundsDiffer = true;
      let prev = 0;
      let prevLe = 0;
      const interval = this.intervalOf(timeMs);
      for (const le of les) {
        const cum = byLe.get(le) as number;
        let c = cum - prev;
        if (c < 0) {
          decreasing++;
          c = 0;
        }
        prev = Math.max(prev, cum);
        totals.set(le, (totals.get(le) ?? 0) + c);
        if (c > 0) timeline.add(interval, Number.isFinite(le) ? (prevLe + le) / 2 : prevLe, c);
        prevLe = le;
      }
    }
    if (boundsDiffer) this.warn(`${label}: histogram bucket bounds differ between intervals; buckets were merged by bound`);
    if (decreasing > 0) this.warn(`${label}: ${decreasing} histogram bucket count(s) decreased with le (not cumulative?); treated as 0`);
    const bounds = [...totals.keys()].sort((a, b) => a - b);
    return {
      kind: 'histogram',
      upperBounds: Float64Array.from(bounds),
      counts: Float64Array.from(bounds, (b) => totals.get(b) as number),
    };
  }

  private finishUpstream(s: UpstreamSubject, t: Float64Array): UpstreamSeries {
    const label = `${s.service} → ${s.upstream}`;
    const windows: UpstreamWindow[] = [];
    for (let w = 0; w < 2; w++) {
      const acc = s.windows[w];
      const hasRaw = acc.rawCalls > 0;
      if (hasRaw && acc.counterPoints > 0) {
        this.warn(`${label}: both raw calls and per-interval counters in the ${WINDOW_NAMES[w]} window; using the raw calls`);
      }
      if (hasRaw || acc.counterPoints === 0) {
        windows.push({
          calls: acc.rawCalls,
          retries: acc.rawRetries,
          exhausted: acc.rawExhausted,
          backoff: { kind: 'raw', values: acc.rawBackoff ? acc.rawBackoff.toArray() : new Float64Array(0) },
        });
      } else {
        const bounds = acc.counterBackoff ? [...acc.counterBackoff.keys()].sort((a, b) => a - b) : [];
        const backoff: SampleSet = acc.counterBackoff
          ? { kind: 'histogram', upperBounds: Float64Array.from(bounds), counts: Float64Array.from(bounds, (b) => acc.counterBackoff?.get(b) ?? 0) }
          : { kind: 'raw', values: new Float64Array(0) };
        windows.push({ calls: acc.counterCalls, retries: acc.counterRetries, exhausted: acc.counterExhausted, backoff });
      }
    }
    this.warnIfOneSided(label, 'calls', windows.map((x) => x.calls));
    const timeline: UpstreamTimeline = { intervalMs: this.intervalMs, t, calls: s.calls, retries: s.retries, exhausted: s.exhausted };
    return { service: s.service, upstream: s.upstream, before: windows[0], after: windows[1], timeline };
  }

  private warnIfOneSided(label: string, what: string, counts: number[]): void {
    for (let w = 0; w < 2; w++) {
      if (counts[w] === 0 && counts[1 - w] > 0) {
        const { start, stop } = this.options[WINDOW_NAMES[w]];
        this.warn(
          `${label}: no ${what} in the ${WINDOW_NAMES[w]} window (${new Date(start).toISOString()} – ${new Date(stop).toISOString()}); ` +
            'kept, its findings will be insufficient_data',
        );
      }
    }
  }
}

function sampleCount(s: SampleSet): number {
  if (s.kind === 'raw') return s.values.length;
  let n = 0;
  for (let i = 0; i < s.counts.length; i++) n += s.counts[i];
  return n;
}
