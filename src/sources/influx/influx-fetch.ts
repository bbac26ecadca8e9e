/**
 * What the InfluxDB 1.x and 2.x sources share: choosing raw / aggregated / pre-aggregated per metric
 * (`auto` asks the database for a count first), the fixed log-spaced bucket grid of the aggregated mode,
 * staging of one query's rows (committed to the WindowBuilder only when the query completed, so a retried
 * query never adds rows twice), and the error for an empty window. The dialects only run queries.
 */
import type { MetricWindows, TimeRange } from '../../analysis/types.ts';
import { boundToMs, unitFactors, type UnitFactors } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { bucketIndex, logBucketBounds } from '../../stats/index.ts';
import { GrowableFloat64, WindowBuilder, type SubjectHandle } from '../window-builder/window-builder.ts';
import type { MetricQuery } from '../metric-source.ts';
import { emptySide, queryWindows } from '../query-windows.ts';
import type { InfluxCommonSettings, MetricMode } from './influx-config.ts';
import { checkAgainstCount, isShort, Limiter, sliceCount, timeSlices } from './influx-plan.ts';

export type WindowName = 'before' | 'after';

/**
 * The fixed grid of the aggregated mode: log-spaced upper edges ending with Infinity (stats/logBucketBounds).
 * `buckets` are in ms (like the reports); with `msPerRawUnit` the edges are in the raw unit the database stores
 * (schema `unit`), so the queries compare raw values with them and the stage converts them back on commit.
 */
export function bucketGrid(b: { min: number; max: number; perDecade: number }, msPerRawUnit = 1): Float64Array {
  const edges = logBucketBounds(b);
  return msPerRawUnit === 1 ? edges : edges.map((e) => e / msPerRawUnit);
}

/** The buckets a query covers: indices first..last into the grid (whose last edge is Infinity). */
export interface BucketRange {
  edges: Float64Array;
  first: number;
  last: number;
}

/** (lower, upper] of bucket i; lower null for the first grid bucket (everything at or below its edge). */
export function bucketBounds(range: BucketRange, i: number): { lower: number | null; upper: number } {
  const { edges } = range;
  return { lower: i === 0 ? null : edges[i - 1], upper: edges[i] };
}

export function bucketRangeFor(edges: Float64Array, min: number, max: number): BucketRange {
  return { edges, first: bucketIndex(edges, min), last: bucketIndex(edges, max) };
}

interface HistAcc {
  service: string;
  name: string;
  t: number;
  counts: Float64Array;
  /** The flag cohort's tag value (cohort baseline; the query then groups by that tag too). */
  cohort?: string;
}

interface CounterAcc {
  service: string;
  upstream: string;
  t: number;
  cohort?: string;
  calls: number;
  retries: number;
  exhausted: number;
}

/** Key of a per-interval accumulator: subject, interval start and (cohort baseline) the cohort tag's value. */
function cohortKey(service: string, name: string, t: number, cohort: string | undefined): string {
  return `${service}\u0000${name}\u0000${t}\u0000${cohort ?? ''}`;
}

/**
 * Rows of one query attempt. Everything is kept in typed arrays or small per-interval maps; `commit`
 * replays it into the WindowBuilder.
 */
export class InfluxStage {
  private seriesKeys = new Map<string, number>();
  /** The series of the previous row, with its index (see seriesIndex). */
  private lastSeries: { a: string; b: string; cohort: string | undefined; i: number } | null = null;
  /** Service, endpoint/upstream and, under a cohort baseline, the cohort tag's value. */
  private series: Array<[string, string, string | undefined]> = [];
  private idx = new GrowableFloat64();
  private t = new GrowableFloat64();
  private v1 = new GrowableFloat64();
  private v2 = new GrowableFloat64();
  private v3 = new GrowableFloat64();
  private hist = new Map<string, HistAcc>();
  private le: Array<[string, string, number, number, number, string | undefined]> = [];
  private leTotals = new Map<string, number>();
  /** Rows dropped for a missing or non-numeric field, by what they were: a warning each on commit. */
  private skipped = new Map<string, number>();
  private counters = new Map<string, CounterAcc>();
  private backoff = new Map<string, HistAcc>();
  /** Observations (requests or calls) staged: for the empty-window check. */
  points = 0;
  /** Raw observations per series index; aggregated ones per series key (for the check against the count query). */
  private rawPerSeries: number[] = [];
  private aggregatedPerSeries = new Map<string, number>();
  /** Plain upstream calls (neither retried nor failed) counted per uniform bucket: series index, time, count. */
  private plainIdx = new GrowableFloat64();
  private plainT = new GrowableFloat64();
  private plainN = new GrowableFloat64();
  /** The part of the window this stage's query covers (the whole window unless the pull is time-sliced). */
  readonly slice: TimeRange;

  constructor(
    readonly window: TimeRange,
    readonly range: BucketRange | null = null,
    /** ms per raw unit of each metric (schema `unit`): applied on commit, so staged rows stay in the database's unit. */
    readonly ms: UnitFactors = { duration: 1, backoff: 1, le: 1 },
    slice?: TimeRange,
    /** The window's uniform bucket (WindowBuilder.uniformBucket) when plain upstream calls may be counted per bucket. */
    readonly plainBucket: PlainBucket | null = null,
    /** The series the count query found in the window (a raw pull may ask for each by its tags). */
    readonly knownSeries: ReadonlyArray<[string, string]> | null = null,
  ) {
    this.slice = slice ?? window;
  }

  /** Observations per series (`service\u0000endpoint` or `service\u0000upstream`) staged so far. */
  observedBySeries(into = new Map<string, number>()): Map<string, number> {
    for (let i = 0; i < this.series.length; i++) {
      const key = `${this.series[i][0]}\u0000${this.series[i][1]}`;
      into.set(key, (into.get(key) ?? 0) + (this.rawPerSeries[i] ?? 0));
    }
    for (const [key, n] of this.aggregatedPerSeries) into.set(key, (into.get(key) ?? 0) + n);
    return into;
  }

  private observeAggregated(a: string, b: string, n: number): void {
    const key = `${a}\u0000${b}`;
    this.aggregatedPerSeries.set(key, (this.aggregatedPerSeries.get(key) ?? 0) + n);
  }

  /** Drops everything staged (before a retry of the query). */
  reset(): void {
    this.seriesKeys = new Map();
    this.lastSeries = null;
    this.series = [];
    this.idx = new GrowableFloat64();
    this.t = new GrowableFloat64();
    this.v1 = new GrowableFloat64();
    this.v2 = new GrowableFloat64();
    this.v3 = new GrowableFloat64();
    this.hist = new Map();
    this.le = [];
    this.leTotals = new Map();
    this.skipped = new Map();
    this.counters = new Map();
    this.backoff = new Map();
    this.points = 0;
    this.rawPerSeries = [];
    this.aggregatedPerSeries = new Map();
    this.plainIdx = new GrowableFloat64();
    this.plainT = new GrowableFloat64();
    this.plainN = new GrowableFloat64();
  }

  /** Interval start clamped into the window: GROUP BY time buckets may start before the window does. */
  intervalTime(t: number): number {
    return t < this.window.start ? this.window.start : t;
  }

  private seriesIndex(a: string, b: string, cohort: string | undefined): number {
    // Rows come a series at a time with the same tag strings: skip building the key for each of them.
    const last = this.lastSeries;
    if (last !== null && last.a === a && last.b === b && last.cohort === cohort) return last.i;
    const key = `${a}\u0000${b}\u0000${cohort ?? ''}`;
    let i = this.seriesKeys.get(key);
    if (i === undefined) {
      i = this.series.length;
      this.series.push([a, b, cohort]);
      this.seriesKeys.set(key, i);
      this.rawPerSeries.push(0);
    }
    this.lastSeries = { a, b, cohort, i };
    return i;
  }

  request(service: string, endpoint: string, t: number, durationMs: number, cohort?: string): void {
    const i = this.seriesIndex(service, endpoint, cohort);
    this.rawPerSeries[i]++;
    this.idx.push(i);
    this.t.push(t);
    this.v1.push(durationMs);
    this.points++;
  }

  call(service: string, upstream: string, t: number, attempts: number, backoffMs: number, ok: boolean, cohort?: string): void {
    const i = this.seriesIndex(service, upstream, cohort);
    this.rawPerSeries[i]++;
    this.idx.push(i);
    this.t.push(t);
    this.v1.push(attempts);
    this.v2.push(backoffMs);
    this.v3.push(ok ? 1 : 0);
    this.points++;
  }

  /**
   * `n` plain calls (attempts ≤ 1, finally ok) of the uniform bucket starting at `t` (see PlainBucket): they count
   * as raw observations of the series, like the calls they stand for.
   */
  plainCalls(service: string, upstream: string, t: number, n: number, cohort?: string): void {
    if (!(n > 0)) return;
    const i = this.seriesIndex(service, upstream, cohort);
    this.rawPerSeries[i] += n;
    this.plainIdx.push(i);
    // A bucket may start before the slice; its calls lie inside it, in the same block and interval as its start.
    this.plainT.push(t < this.slice.start ? this.slice.start : t);
    this.plainN.push(n);
    this.points += n;
  }

  private histAcc(map: Map<string, HistAcc>, service: string, name: string, t: number, cohort: string | undefined): HistAcc {
    const key = cohortKey(service, name, t, cohort);
    let h = map.get(key);
    if (h === undefined) {
      const r = this.range as BucketRange;
      h = { service, name, t, counts: new Float64Array(r.last - r.first + 1), ...(cohort !== undefined ? { cohort } : {}) };
      map.set(key, h);
    }
    return h;
  }

  /** Counts a row that could not be used (never dropped silently: it becomes a warning on the windows). */
  skip(what: string, rows = 1): void {
    this.skipped.set(what, (this.skipped.get(what) ?? 0) + rows);
  }

  /** Drops only the staged backoff histograms (before a retry of a separate backoff query). */
  resetBackoff(): void {
    this.backoff = new Map();
  }

  /** Non-cumulative count of grid bucket `bucket` for one interval (aggregated request latency). */
  requestBucket(service: string, endpoint: string, t: number, bucket: number, count: number, cohort?: string): void {
    const r = this.range as BucketRange;
    this.histAcc(this.hist, service, endpoint, this.intervalTime(t), cohort).counts[bucket - r.first] += count;
    this.points += count;
    this.observeAggregated(service, endpoint, count);
  }

  /** Non-cumulative count of grid bucket `bucket` of the retried calls' backoff for one interval. */
  backoffBucket(service: string, upstream: string, t: number, bucket: number, count: number, cohort?: string): void {
    const r = this.range as BucketRange;
    this.histAcc(this.backoff, service, upstream, this.intervalTime(t), cohort).counts[bucket - r.first] += count;
  }

  /** A cumulative `le` bucket of a pre-aggregated histogram. */
  leBucket(service: string, endpoint: string, t: number, le: number, cumulative: number, cohort?: string): void {
    const ti = this.intervalTime(t);
    this.le.push([service, endpoint, ti, le, cumulative, cohort]);
    // The interval's total is its largest cumulative count (the +Inf bucket when there is one).
    const key = cohortKey(service, endpoint, ti, cohort);
    const prev = this.leTotals.get(key) ?? 0;
    if (cumulative > prev) {
      this.points += cumulative - prev;
      this.leTotals.set(key, cumulative);
    }
  }

  /** Adds to the per-interval upstream counters (aggregated or pre-aggregated). */
  counter(service: string, upstream: string, t: number, add: { calls?: number; retries?: number; exhausted?: number }, cohort?: string): void {
    const ti = this.intervalTime(t);
    const key = cohortKey(service, upstream, ti, cohort);
    let c = this.counters.get(key);
    if (c === undefined) {
      c = { service, upstream, t: ti, calls: 0, retries: 0, exhausted: 0, ...(cohort !== undefined ? { cohort } : {}) };
      this.counters.set(key, c);
    }
    c.calls += add.calls ?? 0;
    c.retries += add.retries ?? 0;
    c.exhausted += add.exhausted ?? 0;
    this.points += add.calls ?? 0;
    if (add.calls) this.observeAggregated(service, upstream, add.calls);
  }

  /** Replays the staged rows into the builder. */
  commit(b: WindowBuilder): void {
    for (const [what, n] of this.skipped) b.warn(`${what}: skipped ${n} row(s) with a missing or non-numeric field`);
    const n = this.t.length;
    if (n > 0) {
      const idx = this.idx.view();
      const t = this.t.view();
      const v1 = this.v1.view();
      const upstream = this.v2.length === n;
      const v2 = upstream ? this.v2.view() : null;
      const v3 = upstream ? this.v3.view() : null;
      const { duration, backoff } = this.ms;
      // One handle per staged series: each row skips the builder's lookup of its subject by service and name.
      const handles: SubjectHandle[] = this.series.map(() => ({}));
      for (let i = 0; i < n; i++) {
        const s = idx[i];
        const [a, c, cohort] = this.series[s];
        if (v2 && v3) b.addUpstreamCall(a, c, t[i], v1[i], v2[i] * backoff, v3[i] === 1, cohort, handles[s]);
        else b.addRequest(a, c, t[i], v1[i] * duration, cohort, handles[s]);
      }
    }
    if (this.plainN.length > 0) {
      const idx = this.plainIdx.view();
      const t = this.plainT.view();
      const cnt = this.plainN.view();
      for (let i = 0; i < cnt.length; i++) {
        const [a, c, cohort] = this.series[idx[i]];
        b.addPlainUpstreamCalls(a, c, t[i], cnt[i], cohort);
      }
    }
    for (const h of this.hist.values()) this.commitHistogram(b, h);
    for (const [s, e, t, le, cum, cohort] of this.le) b.addHistogramBucket(s, e, t, boundToMs(le, this.ms.le), cum, cohort);
    for (const c of this.counters.values()) {
      const h = this.backoff.get(cohortKey(c.service, c.upstream, c.t, c.cohort));
      b.addUpstreamCounters(c.service, c.upstream, c.t, { calls: c.calls, retries: c.retries, exhausted: c.exhausted }, h ? this.backoffHistogram(h) : undefined, c.cohort);
    }
  }

  /** Cumulative counts at every edge of the range (plus the empty one below it), so all intervals share the same bounds. */
  private commitHistogram(b: WindowBuilder, h: HistAcc): void {
    const r = this.range as BucketRange;
    const f = this.ms.duration;
    if (r.first > 0) b.addHistogramBucket(h.service, h.name, h.t, boundToMs(r.edges[r.first - 1], f), 0, h.cohort);
    let cum = 0;
    for (let i = r.first; i <= r.last; i++) {
      cum += h.counts[i - r.first];
      b.addHistogramBucket(h.service, h.name, h.t, boundToMs(bucketBounds(r, i).upper, f), cum, h.cohort);
    }
  }

  private backoffHistogram(h: HistAcc): { upperBounds: number[]; counts: number[] } {
    const r = this.range as BucketRange;
    const f = this.ms.backoff;
    const upperBounds: number[] = [];
    const counts: number[] = [];
    if (r.first > 0) {
      upperBounds.push(boundToMs(r.edges[r.first - 1], f));
      counts.push(0);
    }
    for (let i = r.first; i <= r.last; i++) {
      upperBounds.push(boundToMs(bucketBounds(r, i).upper, f));
      counts.push(h.counts[i - r.first]);
    }
    return { upperBounds, counts };
  }
}

/**
 * Time buckets [offsetMs + k·ms, …) within which all calls of a window share block and timeline interval
 * (WindowBuilder.uniformBucket); a dialect with `splitUpstreams` counts the plain calls per bucket.
 */
export interface PlainBucket {
  ms: number;
  offsetMs: number;
}

/**
 * Shortest bucket worth counting plain calls in: below it the counts are about as many rows as the calls
 * themselves (a window starting at an odd millisecond makes the gcd tiny), and the full raw pull is cheaper.
 */
export const MIN_PLAIN_BUCKET_MS = 1000;

/** Count and value range of one metric in one window (the cheap query behind `auto`). */
export interface WindowCount {
  count: number;
  /** Smallest/largest latency (requests) or backoff of retried calls (upstreams); null when none or not asked. */
  min: number | null;
  max: number | null;
  /** Points per series (`service\u0000endpoint` / `service\u0000upstream`), when the server can tell. */
  perSeries?: Map<string, number>;
  /** The same series as [service, endpoint|upstream] tag values, in the server's order. */
  seriesTags?: Array<[string, string]>;
  /** Upstream calls counted by their `ok` but without `attempts` (1.x, before a split pull): the split cannot see them. */
  withoutAttempts?: number;
}

export interface ValueRange {
  min: number | null;
  max: number | null;
}

/** The queries one InfluxDB dialect runs; each call is one retried unit that fills `stage`. */
export interface InfluxDialect {
  /** e.g. `InfluxDB 1.x at 127.0.0.1:8086 db "telemetry"`: names the server in every message. */
  readonly where: string;
  /** Throws NOT_FOUND naming the database/bucket or measurement that does not exist. */
  checkMeasurements(measurements: string[], query: MetricQuery): Promise<void>;
  countRequests(window: TimeRange, query: MetricQuery): Promise<WindowCount>;
  countUpstreams(window: TimeRange, query: MetricQuery): Promise<WindowCount>;
  /**
   * The value range (latency; backoff of retried calls) of a window, asked only before an aggregated pull: on 1.x a
   * count alone is answered from block headers, min/max read every value. Null bounds: the whole grid is queried.
   */
  rangeRequests(window: TimeRange, query: MetricQuery): Promise<ValueRange>;
  rangeUpstreams(window: TimeRange, query: MetricQuery): Promise<ValueRange>;
  /**
   * Work per request before a window is cut into time slices: raw points, and point-scans (points × statements)
   * of an aggregated request. Infinity = never sliced.
   */
  readonly slicing: { rawPoints: number; aggregatedScans: number };
  /** Statements (full scans of the window's points) one aggregated request of `metric` costs on this server. */
  aggregatedStatements(metric: 'requests' | 'upstreams', range: BucketRange): number;
  rawRequests(stage: InfluxStage, query: MetricQuery): Promise<void>;
  rawUpstreams(stage: InfluxStage, query: MetricQuery): Promise<void>;
  /**
   * The same calls as rawUpstreams, with the plain ones (attempts ≤ 1, finally ok) counted per `stage.plainBucket`
   * and only the retried or failed ones returned row by row (InfluxDB 1.x: several times less server work when
   * few calls retry). Calls in neither part (no `ok` field, say) leave the stage short of the count: the fetch then
   * pulls the window again with rawUpstreams.
   */
  splitUpstreams?(stage: InfluxStage, query: MetricQuery): Promise<void>;
  aggregatedRequests(stage: InfluxStage, query: MetricQuery): Promise<void>;
  aggregatedUpstreams(stage: InfluxStage, query: MetricQuery): Promise<void>;
  preaggregatedRequests(stage: InfluxStage, query: MetricQuery): Promise<void>;
  preaggregatedUpstreams(stage: InfluxStage, query: MetricQuery): Promise<void>;
}

function mergeCounts(counts: WindowCount[]): { count: number; min: number | null; max: number | null } {
  let count = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const c of counts) {
    count += c.count;
    if (c.min !== null) min = min === null ? c.min : Math.min(min, c.min);
    if (c.max !== null) max = max === null ? c.max : Math.max(max, c.max);
  }
  return { count, min, max };
}

const iso = (t: number): string => new Date(t).toISOString();

/** The modes each metric actually used in the last fetch (for logs, tests and the benchmark). */
export interface FetchOutcome {
  requests: MetricMode;
  upstreams: MetricMode;
}

export async function fetchFromInflux(
  dialect: InfluxDialect,
  settings: InfluxCommonSettings,
  query: MetricQuery,
  description: string,
  outcome?: FetchOutcome,
): Promise<MetricWindows> {
  const builder = new WindowBuilder({
    upgradeAt: query.upgradeAt,
    before: query.before,
    after: query.after,
    services: query.services,
    endpoints: query.endpoints,
    timelineIntervalMs: settings.timelineIntervalMs,
    source: description,
    maxSeries: query.maxSeries,
    ...(query.baseline ? { baseline: query.baseline } : {}),
  });
  const { schema, modes } = settings;
  const windows = queryWindows(query);
  const measurements: string[] = [];
  if (modes.requests !== 'off') measurements.push(modes.requests === 'preaggregated' ? schema.histogram.measurement : schema.request.measurement);
  if (modes.upstreams !== 'off') measurements.push(modes.upstreams === 'preaggregated' ? schema.counters.measurement : schema.upstream.measurement);
  if (measurements.length === 0) throw new AppError('BAD_INPUT', `${dialect.where}: both requests and upstreams are off; nothing to fetch`);
  await dialect.checkMeasurements(measurements, query);

  const perWindow = windows.map(() => 0);
  // Each metric's grid is in its own raw unit (schema `unit`): request durations, backoff waits.
  const ms = unitFactors(schema);
  const steps = 2 * (1 + windows.length);
  let done = 0;
  const progress = (): void => query.onProgress?.(Math.min(1, ++done / steps));
  // One limiter for the whole fetch: both metrics and both windows share the server's cores.
  const limiter = new Limiter(settings.parallelQueries);

  const run = async (
    metric: 'requests' | 'upstreams',
    query: MetricQuery,
    ops: {
      count: (w: TimeRange, q: MetricQuery) => Promise<WindowCount>;
      range: (w: TimeRange, q: MetricQuery) => Promise<ValueRange>;
      raw: (s: InfluxStage, q: MetricQuery) => Promise<void>;
      aggregated: (s: InfluxStage, q: MetricQuery) => Promise<void>;
      preaggregated: (s: InfluxStage, q: MetricQuery) => Promise<void>;
      /** The exact raw pull in the split form (upstreams on 1.x), when the dialect has one and settings allow it. */
      split?: (s: InfluxStage, q: MetricQuery) => Promise<void>;
    },
  ): Promise<MetricMode> => {
    let mode = modes[metric];
    if (mode === 'off') return mode;
    let range: BucketRange | null = null;
    // Counted first in every mode that reads the raw measurement: the count decides `auto`, sizes the slices
    // and is what the pulled points are checked against (a lost chunk cannot pass for a quiet series).
    let counts: WindowCount[] | null = null;
    if (mode !== 'preaggregated') {
      counts = await Promise.all(windows.map(({ range: w }) => limiter.run(() => ops.count(w, query))));
      progress();
      const total = mergeCounts(counts);
      const grid = bucketGrid(settings.buckets, metric === 'requests' ? ms.duration : ms.backoff);
      const wholeGrid: BucketRange = { edges: grid, first: 0, last: grid.length - 1 };
      if (mode === 'auto') {
        mode = total.count > settings.autoThreshold ? 'aggregated' : 'raw';
        const statements = dialect.aggregatedStatements(metric, wholeGrid);
        query.log?.(
          `${dialect.where}: ${metric}: ${total.count} points in both windows → ${mode} mode (raw up to ${settings.autoThreshold} points; ` +
            `aggregated here = up to ${statements} statement(s), ${statements === 1 ? 'one pass' : `up to ${statements} scans of the data`})`,
        );
      }
      if (mode === 'aggregated') {
        // Union of both windows' value ranges, so before and after share the same bucket bounds.
        // Without a value range (Flux), the query covers the whole grid.
        const v = mergeCounts(await Promise.all(windows.map(({ range: w }) => limiter.run(async () => ({ count: 0, ...(await ops.range(w, query)) })))));
        range = v.min !== null && v.max !== null ? bucketRangeFor(grid, v.min, v.max) : wholeGrid;
      }
    } else progress();
    const statements = range ? dialect.aggregatedStatements(metric, range) : 1;
    const pullWindow = async ({ label, range: w }: (typeof windows)[number], wi: number): Promise<InfluxStage[]> => {
      const c = counts?.[wi];
      const n = c === undefined ? 1 : mode === 'raw' ? sliceCount(c.count, dialect.slicing.rawPoints) : mode === 'aggregated' ? sliceCount(c.count * statements, dialect.slicing.aggregatedScans) : 1;
      // Aggregated slices end on GROUP BY interval boundaries (the offset aligns those with the upgrade).
      const slices = mode === 'raw' ? timeSlices(w, n) : timeSlices(w, n, settings.aggregationIntervalMs, query.upgradeAt);
      const pull = async (op: (s: InfluxStage, q: MetricQuery) => Promise<void>, plain: PlainBucket | null): Promise<InfluxStage[]> => {
        const stages = slices.map((sl) => new InfluxStage(w, range, ms, sl, plain, c?.seriesTags ?? null));
        await Promise.all(stages.map((st) => limiter.run(() => op(st, query))));
        return stages;
      };
      const observedBy = (stages: InfluxStage[]): Map<string, number> => {
        const observed = new Map<string, number>();
        for (const st of stages) st.observedBySeries(observed);
        return observed;
      };
      const plain = mode === 'raw' && ops.split !== undefined && c !== undefined ? builder.uniformBucket(w) : null;
      const lacking = c?.withoutAttempts ?? 0;
      let stages: InfluxStage[];
      if (plain !== null && plain.ms >= MIN_PLAIN_BUCKET_MS && lacking === 0) {
        stages = await pull(ops.split!, plain);
        if (isShort(c!, observedBy(stages))) {
          // Calls in neither part of the split (a row without `ok`, say): read them the way the raw pull does.
          query.log?.(`${dialect.where}: ${metric} in the ${label}: the split pull came back short of the count; pulling every call`);
          stages = await pull(ops.raw, null);
        }
      } else {
        if (plain !== null && lacking > 0) query.log?.(`${dialect.where}: ${metric} in the ${label}: ${lacking} call(s) without "attempts"; pulling every call, so they are reported`);
        stages = await pull(mode === 'raw' ? ops.raw : mode === 'aggregated' ? ops.aggregated : ops.preaggregated, null);
      }
      if (c !== undefined) checkAgainstCount(dialect.where, `${metric} in the ${label}`, c, observedBy(stages));
      progress();
      return stages;
    };
    // Committed in time order of the windows, whatever order their pulls end in: the seasonal references all feed the
    // before side, and its raw values (and the sums over them, to the last bit) must not depend on scheduling. The
    // pulls run side by side; each window commits once it and every earlier window are in, its staged rows then
    // free, and the first failure of any window rejects at once.
    const byStart = windows.map((_w, i) => i).sort((a, b) => windows[a].range.start - windows[b].range.start);
    const pulls = windows.map(pullWindow);
    let previous: Promise<void> = Promise.resolve();
    const commits = byStart.map((wi) => {
      previous = Promise.all([previous, pulls[wi]]).then(([, stages]) => {
        for (const st of stages) {
          st.commit(builder);
          perWindow[wi] += st.points;
        }
      });
      return previous;
    });
    // Settled pulls would keep every staged row alive until the metric is done.
    pulls.length = 0;
    await Promise.all(commits);
    return mode;
  };

  // The two metrics are independent queries: run them side by side (the database does the work, so this
  // roughly halves wall time on a multi-core server). If one fails, the other is cancelled.
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort(query.signal?.reason);
  query.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (query.signal?.aborted) inner.abort(query.signal.reason);
  const q: MetricQuery = { ...query, signal: inner.signal };
  const cancelOnError = <T>(p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      inner.abort(e);
      throw e;
    });
  let requestsMode: MetricMode;
  let upstreamsMode: MetricMode;
  try {
    [requestsMode, upstreamsMode] = await Promise.all([
      cancelOnError(
        run('requests', q, {
          count: (w, x) => dialect.countRequests(w, x),
          range: (w, x) => dialect.rangeRequests(w, x),
          raw: (st, x) => dialect.rawRequests(st, x),
          aggregated: (st, x) => dialect.aggregatedRequests(st, x),
          preaggregated: (st, x) => dialect.preaggregatedRequests(st, x),
        }),
      ),
      cancelOnError(
        run('upstreams', q, {
          count: (w, x) => dialect.countUpstreams(w, x),
          range: (w, x) => dialect.rangeUpstreams(w, x),
          raw: (st, x) => dialect.rawUpstreams(st, x),
          aggregated: (st, x) => dialect.aggregatedUpstreams(st, x),
          preaggregated: (st, x) => dialect.preaggregatedUpstreams(st, x),
          ...(dialect.splitUpstreams && settings.splitUpstreams !== false ? { split: (st: InfluxStage, x: MetricQuery) => dialect.splitUpstreams!(st, x) } : {}),
        }),
      ),
    ]);
  } finally {
    query.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (outcome) {
    outcome.requests = requestsMode;
    outcome.upstreams = upstreamsMode;
  }
  // A seasonal baseline needs data in some reference period (the analysis reports the missing ones); a cohort
  // baseline reads the after window only (the runtime checks that the control cohort is in it).
  const empty = emptySide(windows, perWindow);
  if (empty) {
    const { label, range: w } = empty;
    throw new AppError(
      'NOT_FOUND',
      `${dialect.where}: no data in the ${label} ${iso(w.start)} – ${iso(w.stop)} (measurements ${measurements.map((m) => `"${m}"`).join(', ')}` +
        `${query.services?.length ? `, services ${query.services.join(', ')}` : ''})`,
    );
  }
  return builder.build();
}
