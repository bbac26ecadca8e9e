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
 * Modules of this folder: growable-float64.ts (raw columns), timeline-grid.ts (intervals),
 * timeline-sketch.ts (per-interval latency sketch interface; log-bucket-timeline-sketch.ts implements it on
 * stats/ buckets), accumulators.ts (per-subject state), builder-state.ts (thread export/merge),
 * build-windows.ts (build + data-quality warnings); this file filters and accumulates.
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
 *   p50 and p99 from a TimelineSketch (today fixed log-spaced buckets, ≈2 % relative resolution, sparse while an
 *   interval has few distinct values), so memory does not grow with volume; upstream calls, retries and exhausted per interval. Empty intervals have p50/p99 = NaN. When the windows
 *   span more than MAX_TIMELINE_POINTS intervals, the interval is widened to a multiple of the asked one
 *   (the effective one is `timeline.intervalMs`). `timelines: false` keeps none (they are drawn on charts only).
 */
import type { MetricWindows, TimeRange } from '../../analysis/types.ts';
import type { BaselineQuery, MetricQuery } from '../metric-source.ts';
import { addTo, DEFAULT_MAX_SERIES, SubjectTable, type LatencySubject, type UpstreamSubject } from './accumulators.ts';
import { buildWindows } from './build-windows.ts';
import { exportState, mergeState, type BuilderContents, type WindowBuilderCounts, type WindowBuilderState } from './builder-state.ts';
import { GrowableFloat64, GrowableUint32 } from './growable-float64.ts';
import { TimelineGrid } from './timeline-grid.ts';
import { UNTAGGED, WindowLayout } from './window-layout.ts';

// The builder's public API also carries these (sources and tests import them from here).
export { GrowableFloat64 } from './growable-float64.ts';
export { DEFAULT_MAX_SERIES } from './accumulators.ts';
export { MAX_TIMELINE_POINTS } from './timeline-grid.ts';
export { TIMELINE_BUCKET_RATIO, TIMELINE_BUCKETS, TIMELINE_MIN_MS } from './log-bucket-timeline-sketch.ts';
export type { WindowBuilderCounts, WindowBuilderState } from './builder-state.ts';

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
  /** Seasonal references or a cohort split (window-layout.ts); absent = before/after by time. */
  baseline?: BaselineQuery;
  /** Refuse (AppError BAD_INPUT) past this many distinct series; default DEFAULT_MAX_SERIES (see accumulators.ts). */
  maxSeries?: number;
  /**
   * false: no per-subject timelines (MetricWindows series carry no `timeline`). They are drawn on charts only, and
   * their per-interval state is most of what a quiet subject costs (issue 12: 100 000 endpoints). Default true.
   */
  timelines?: boolean;
}

/**
 * Where a caller that sees the same series again and again (the line-protocol mapper, per parsed series) keeps the
 * builder's subject of that series, so its points skip the lookup by service and name: undefined until the first
 * point of the series lands in a window (the subject is created then, as without a handle), null when the filters
 * drop it. Valid for the builder that filled it only.
 */
export interface SubjectHandle {
  latency?: LatencySubject | null;
  upstream?: UpstreamSubject | null;
}

/** What a builder in another thread adds besides its contents: the cohort values it saw. */
export type WindowBuilderExport = WindowBuilderState & { cohorts?: { treatments: string[]; untagged: number } };

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

/** A service or subject name is empty: a database's answer for a point without the tag (see latencySubject). */
function nameless(service: string, name: string): boolean {
  return service === '' || name === '';
}

export class WindowBuilder {
  readonly counts: WindowBuilderCounts = { kept: 0, outsideWindows: 0, filtered: 0, unnamed: 0 };
  private readonly options: WindowBuilderOptions;
  private readonly warnings: string[] = [];
  private readonly serviceFilter: Set<string> | null;
  private readonly endpointFilter: Set<string> | null;
  private readonly grid: TimelineGrid;
  private readonly blockGrid: WindowLayout;
  private readonly subjects: SubjectTable;
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
      ...(query.baseline ? { baseline: query.baseline } : {}),
      maxSeries: query.maxSeries,
      ...(query.timelines === false ? { timelines: false } : {}),
    });
  }

  constructor(options: WindowBuilderOptions) {
    this.options = options;
    this.serviceFilter = options.services && options.services.length > 0 ? new Set(options.services) : null;
    this.endpointFilter = options.endpoints && options.endpoints.length > 0 ? new Set(options.endpoints) : null;
    this.grid = new TimelineGrid(options.before, options.after, options.timelineIntervalMs);
    this.blockGrid = new WindowLayout(options.before, options.after, options.timelineIntervalMs, options.baseline);
    this.subjects = new SubjectTable(this.grid.intervals, [this.blockGrid.count(0), this.blockGrid.count(1)], options.maxSeries ?? DEFAULT_MAX_SERIES, options.timelines ?? true);
  }

  /**
   * 0 = before (baseline), 1 = after (treatment), -1 = neither; `cohort` is the point's cohort tag value, if any.
   * `points`: how many points alike this stands for (counted untagged together).
   */
  windowOf(timeMs: number, cohort?: string, service?: string, endpoint?: string, points = 1): number {
    const w = this.blockGrid.windowOf(timeMs, cohort);
    if (w !== UNTAGGED) return w;
    const kept = service === undefined || ((this.serviceFilter === null || this.serviceFilter.has(service)) && (endpoint === undefined || this.endpointFilter === null || this.endpointFilter.has(endpoint)));
    if (kept) this.blockGrid.countUntagged(points);
    return -1;
  }

  /** The tag whose value every add* call must pass as `cohort` (null: no cohort baseline, pass nothing). */
  get cohortTag(): string | null {
    return this.blockGrid.cohortTag;
  }

  /**
   * Counts the point (or `n` points alike) as kept, outside both windows, left out for an empty service or subject
   * name, or filtered out; true when kept.
   */
  private admit(w: number, subject: unknown, service: string, name: string, n = 1): subject is object {
    if (w < 0) {
      this.counts.outsideWindows += n;
      return false;
    }
    if (subject === null) {
      if (nameless(service, name)) this.counts.unnamed += n;
      else this.counts.filtered += n;
      return false;
    }
    this.counts.kept += n;
    return true;
  }

  /**
   * The subject of a service and endpoint; null when the filters drop it or a name is empty. A database returns a
   * point without the tag under the empty name (InfluxDB's GROUP BY, Prometheus' missing label), where the file
   * source refuses the line ("missing tag"): such points are left out and counted (`unnamed`, a warning on the
   * windows) in every source alike, not analysed as a nameless endpoint.
   */
  private latencySubject(service: string, endpoint: string): LatencySubject | null {
    if (nameless(service, endpoint)) return null;
    if (this.serviceFilter !== null && !this.serviceFilter.has(service)) return null;
    if (this.endpointFilter !== null && !this.endpointFilter.has(endpoint)) return null;
    return this.subjects.latency(service, endpoint);
  }

  private upstreamSubject(service: string, upstream: string): UpstreamSubject | null {
    if (nameless(service, upstream)) return null;
    if (this.serviceFilter !== null && !this.serviceFilter.has(service)) return null;
    return this.subjects.upstream(service, upstream);
  }

  /** One request of `endpoint` taking `durationMs`; `handle` (optional) remembers the subject for the series' next points. */
  addRequest(service: string, endpoint: string, timeMs: number, durationMs: number, cohort?: string, handle?: SubjectHandle): boolean {
    const w = this.windowOf(timeMs, cohort, service, endpoint);
    let s: LatencySubject | null = null;
    if (w >= 0) {
      if (handle === undefined) s = this.latencySubject(service, endpoint);
      else if (handle.latency === undefined) s = handle.latency = this.latencySubject(service, endpoint);
      else s = handle.latency;
    }
    if (!this.admit(w, s, service, endpoint)) return false;
    const acc = s.windows[w];
    if (acc.raw === null) {
      acc.raw = new GrowableFloat64();
      acc.rawBlocks = new GrowableUint32();
    }
    acc.raw.push(durationMs);
    acc.rawBlocks!.push(this.blockGrid.blockOf(w, timeMs));
    s.timeline?.add(this.grid.intervalOf(timeMs), durationMs, 1);
    return true;
  }

  /**
   * One logical upstream call: `attempts` tries (1 = no retry), `backoffMs` waited in total, `ok` = finally succeeded;
   * `handle` as for addRequest.
   */
  addUpstreamCall(service: string, upstream: string, timeMs: number, attempts: number, backoffMs: number, ok: boolean, cohort?: string, handle?: SubjectHandle): boolean {
    const w = this.windowOf(timeMs, cohort, service);
    let s: UpstreamSubject | null = null;
    if (w >= 0) {
      if (handle === undefined) s = this.upstreamSubject(service, upstream);
      else if (handle.upstream === undefined) s = handle.upstream = this.upstreamSubject(service, upstream);
      else s = handle.upstream;
    }
    if (!this.admit(w, s, service, upstream)) return false;
    const acc = s.windows[w];
    const retries = attempts > 1 ? attempts - 1 : 0;
    acc.rawCalls++;
    acc.rawRetries += retries;
    if (!ok) acc.rawExhausted++;
    const block = this.blockGrid.blockOf(w, timeMs);
    acc.blockCalls[block]++;
    acc.blockRetries[block] += retries;
    if (!ok) acc.blockExhausted[block]++;
    if (retries > 0) {
      if (acc.rawBackoff === null) {
        acc.rawBackoff = new GrowableFloat64(256);
        acc.rawBackoffBlocks = new GrowableUint32(256);
      }
      acc.rawBackoff.push(backoffMs);
      acc.rawBackoffBlocks!.push(block);
    }
    const tl = s.timeline;
    if (tl !== null) {
      const i = this.grid.intervalOf(timeMs);
      tl.calls[i]++;
      tl.retries[i] += retries;
      if (!ok) tl.exhausted[i]++;
    }
    return true;
  }

  /**
   * `n` calls that were neither retried nor failed (attempts ≤ 1, finally ok), all at times of `timeMs`'s uniform
   * bucket (see uniformBucket): exactly what `n` calls of addUpstreamCall(…, attempts 1, any backoff, ok) add, since
   * such a call contributes only its window, block and timeline interval. Lets a source pull the few retried or
   * failed calls one by one and only count the rest (InfluxDB 1.x, issue 12).
   */
  addPlainUpstreamCalls(service: string, upstream: string, timeMs: number, n: number, cohort?: string): boolean {
    if (n <= 0) return false;
    const w = this.windowOf(timeMs, cohort, service, undefined, n);
    const s = w >= 0 ? this.upstreamSubject(service, upstream) : null;
    if (!this.admit(w, s, service, upstream, n)) return false;
    const acc = s.windows[w];
    acc.rawCalls += n;
    acc.blockCalls[this.blockGrid.blockOf(w, timeMs)] += n;
    if (s.timeline !== null) s.timeline.calls[this.grid.intervalOf(timeMs)] += n;
    return true;
  }

  /**
   * The widest time bucket [offsetMs + k·ms, offsetMs + (k + 1)·ms) such that all points of `range` (one query
   * window: before, after or a seasonal reference) inside one bucket share their time block and timeline
   * interval: so per-bucket counts are as good as the points' times (addPlainUpstreamCalls). Block edges lie
   * at range.start + j·blockMs, timeline edges at grid.start + i·intervalMs; the bucket length is the gcd of
   * both periods and of the distance between the two origins; null when a time is not a whole ms.
   */
  uniformBucket(range: TimeRange): { ms: number; offsetMs: number } | null {
    const interval = this.grid.intervalMs;
    if (![range.start, interval, this.grid.start, this.blockGrid.blockMs].every(Number.isSafeInteger)) return null;
    const gcd = (a: number, b: number): number => {
      while (b !== 0) [a, b] = [b, a % b];
      return a;
    };
    const shift = (((range.start - this.grid.start) % interval) + interval) % interval;
    const ms = gcd(gcd(this.blockGrid.blockMs, interval), shift);
    return { ms, offsetMs: ((range.start % ms) + ms) % ms };
  }

  /**
   * One bucket of a pre-aggregated latency histogram: `cumulativeCount` requests of the interval starting at
   * `timeMs` took ≤ `le` ms (`le` = Infinity for "+Inf"). All buckets of one interval share the same `timeMs`.
   */
  addHistogramBucket(service: string, endpoint: string, timeMs: number, le: number, cumulativeCount: number, cohort?: string): boolean {
    const w = this.windowOf(timeMs, cohort, service, endpoint);
    const s = w < 0 ? null : this.latencySubject(service, endpoint);
    if (!this.admit(w, s, service, endpoint)) return false;
    const acc = s.windows[w];
    if (acc.hist === null) acc.hist = new Map();
    let buckets = acc.hist.get(timeMs);
    if (buckets === undefined) {
      buckets = new Map();
      acc.hist.set(timeMs, buckets);
    }
    // A repeated (interval, le) pair (e.g. two series merged by the query) adds up.
    addTo(buckets, le, cumulativeCount);
    return true;
  }

  /** Per-interval upstream counters (pre-aggregated form), optionally with the interval's backoff histogram. */
  addUpstreamCounters(service: string, upstream: string, timeMs: number, counters: UpstreamCounters, backoffHistogram?: BackoffHistogram, cohort?: string): boolean {
    const w = this.windowOf(timeMs, cohort, service);
    const s = w < 0 ? null : this.upstreamSubject(service, upstream);
    if (!this.admit(w, s, service, upstream)) return false;
    const acc = s.windows[w];
    acc.counterPoints++;
    acc.counterCalls += counters.calls;
    acc.counterRetries += counters.retries;
    acc.counterExhausted += counters.exhausted;
    const block = this.blockGrid.blockOf(w, timeMs);
    acc.blockCalls[block] += counters.calls;
    acc.blockRetries[block] += counters.retries;
    acc.blockExhausted[block] += counters.exhausted;
    if (backoffHistogram) {
      if (acc.counterBackoff === null) acc.counterBackoff = new Map();
      for (let k = 0; k < backoffHistogram.upperBounds.length; k++) {
        addTo(acc.counterBackoff, backoffHistogram.upperBounds[k], backoffHistogram.counts[k]);
      }
    }
    const tl = s.timeline;
    if (tl !== null) {
      const i = this.grid.intervalOf(timeMs);
      tl.calls[i] += counters.calls;
      tl.retries[i] += counters.retries;
      tl.exhausted[i] += counters.exhausted;
    }
    return true;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** The collected data for another builder with the same options (see WindowBuilderState); then unusable. */
  exportState(): WindowBuilderExport {
    this.built = true;
    const cohorts = this.blockGrid.cohortTag !== null ? { cohorts: this.blockGrid.cohortsSeen() } : {};
    return { ...exportState(this.contents()), ...cohorts };
  }

  /** Adds the data of a builder created with the same options (e.g. in a worker reading another part of a file). */
  mergeState(state: WindowBuilderExport): void {
    mergeState(this.contents(), state);
    if (state.cohorts) this.blockGrid.mergeCohorts(state.cohorts);
  }

  private contents(): BuilderContents {
    return { subjects: this.subjects, counts: this.counts, warnings: this.warnings };
  }

  /** True when at least one point landed in a window and passed the filters. */
  get hasData(): boolean {
    return this.counts.kept > 0;
  }

  /** The effective timeline interval (the asked one, or a multiple of it for long windows). */
  get timelineIntervalMs(): number {
    return this.grid.intervalMs;
  }

  build(): MetricWindows {
    if (this.built) throw new Error('WindowBuilder.build() called twice');
    this.built = true;
    const unnamed = this.counts.unnamed;
    if (unnamed > 0) this.warnings.push(`${unnamed} ${unnamed === 1 ? 'point in the windows has' : 'points in the windows have'} an empty service, endpoint or upstream name (a tag missing from the points): left out`);
    const untagged = this.blockGrid.untagged;
    if (untagged > 0) this.warnings.push(`${untagged} points in the window carry no "${this.blockGrid.cohortTag}" tag; they are in neither cohort`);
    const windows = buildWindows({ options: this.options, grid: this.grid, blocks: this.blockGrid, subjects: this.subjects, warnings: this.warnings });
    const baseline = this.blockGrid.layout();
    return baseline ? { ...windows, baseline } : windows;
  }
}
