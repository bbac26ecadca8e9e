/**
 * The handoff between sources and analysis (`MetricWindows`) and the report contract (schemaVersion 1).
 * Plain data only: typed arrays, numbers and strings — never a client object — so that a window can be
 * moved to a worker thread, stored, or built by a test by hand.
 * Times are epoch milliseconds inside the program and RFC 3339 strings in the report.
 */

/** Half-open time range [start, stop) in epoch milliseconds. */
export interface TimeRange {
  start: number;
  stop: number;
}

/**
 * Latency-like values of one window: either every observation (exact) or a histogram.
 * Histograms use non-cumulative counts per bucket; bucket i holds values in (upperBounds[i-1], upperBounds[i]]
 * (bucket 0 from `lowerBound`, default 0). The last bound may be `Infinity`. Sources convert cumulative
 * Prometheus-style `le` buckets into this form.
 */
export type SampleSet = RawSamples | HistogramSamples;

export interface RawSamples {
  kind: 'raw';
  /** Observations in the metric's unit (ms), any order. */
  values: Float64Array;
  /**
   * The time block of each value (parallel to `values`): block i is [window.start + i·blockMs, + blockMs), see
   * `MetricWindows.blockMs`. Requests are not independent — they cluster in time — and the analysis measures how
   * much from these blocks. Absent: unknown, and the observations are treated as independent.
   */
  blocks?: Uint32Array;
}

export interface HistogramSamples {
  kind: 'histogram';
  /** Ascending upper bucket edges. */
  upperBounds: Float64Array;
  /** Observation count per bucket (same length as upperBounds). */
  counts: Float64Array;
  /** Lower edge of the first bucket (default 0). */
  lowerBound?: number;
  /** The same counts by time block, sparse: `count[i]` observations of bucket `bucket[i]` in block `block[i]`. */
  blockCells?: BlockCells;
}

/** Sparse (block, bucket) → count cells of a histogram, in any order; a pair may repeat (counts add up). */
export interface BlockCells {
  block: Uint32Array;
  bucket: Uint32Array;
  count: Float64Array;
}

/** Per-interval series over both windows, for charts (p99 per minute and so on). */
export interface LatencyTimeline {
  intervalMs: number;
  /** Interval start times (epoch ms), ascending. */
  t: Float64Array;
  count: Float64Array;
  p50: Float64Array;
  p99: Float64Array;
}

export interface UpstreamTimeline {
  intervalMs: number;
  t: Float64Array;
  calls: Float64Array;
  retries: Float64Array;
  exhausted: Float64Array;
}

/** Request latency of one endpoint of one service, before and after. */
export interface LatencySeries {
  service: string;
  endpoint: string;
  before: SampleSet;
  after: SampleSet;
  timeline?: LatencyTimeline;
}

/** One window of calls to one upstream API. */
export interface UpstreamWindow {
  /** Logical calls (a call retried three times counts once). */
  calls: number;
  /** Sum of (attempts − 1) over the calls. */
  retries: number;
  /** Calls that finally failed (`ok=false`, retries exhausted). */
  exhausted: number;
  /** `backoff_ms` of the calls that were retried (attempts > 1). */
  backoff: SampleSet;
  /** The same sums per time block of the window (dense, one entry per block). */
  perBlock?: { calls: Float64Array; retries: Float64Array; exhausted: Float64Array };
}

export interface UpstreamSeries {
  service: string;
  upstream: string;
  before: UpstreamWindow;
  after: UpstreamWindow;
  timeline?: UpstreamTimeline;
}

/**
 * A deployment the telemetry itself records, e.g. the point `deployment,service=shop version="2.4.0" <ts>`
 * (or a Prometheus/Flux equivalent): lets an upgrade be registered from the data instead of by hand.
 */
export interface DeploymentMarker {
  service: string;
  /** Epoch ms. */
  at: number;
  version?: string;
}

/** An event counter a query asks a source to total: points of `measurement` per service, or the sum of `field`. */
export interface EventCountQuery {
  measurement: string;
  /** Sum this numeric field instead of counting points (per-interval increments, like every counter here). */
  field?: string;
  /** Tag holding the service (default `service`). */
  serviceTag?: string;
}

/**
 * Totals per window of an event counter per service (e.g. `fallback_total`), read because an expectation
 * says it must stay flat (`MetricQuery.eventCounts` names them).
 */
export interface EventCountSeries {
  /** `measurement`, or `measurement.field` when a field is summed (see analysis/expectations.ts counterKey). */
  counter: string;
  service: string;
  /** Events in the before / after window (points, or the sum of the asked field). */
  before: number;
  after: number;
}

/** The one handoff type from any `MetricSource` to the analysis. */
export interface MetricWindows {
  upgradeAt: number;
  before: TimeRange;
  after: TimeRange;
  latency: LatencySeries[];
  upstreams: UpstreamSeries[];
  /** Partial data, dropped lines and the like: carried onto the report. */
  warnings: string[];
  /** Free-form description of where the data came from (no secrets). */
  source?: string;
  /**
   * Length (ms) of the time blocks that `blocks`, `blockCells` and `perBlock` refer to; each window has
   * ⌈(stop − start) / blockMs⌉ of them, block 0 starting at the window's start.
   */
  blockMs?: number;
  /** Deployment markers the source saw within the windows (sources that can read them; absent otherwise). */
  markers?: DeploymentMarker[];
  /** Event counters asked for by the query, per service; a counter with no points has no entry. */
  eventCounts?: EventCountSeries[];
  /**
   * What the "before" side is when it is not the window before the upgrade (issue 11); absent = `before`.
   * Seasonal: "before" holds the K reference periods, blocks numbered period by period (`blocksPerReference` each).
   * Cohort: "before" is the control cohort and "after" the treatment, both in the after window's time range.
   */
  baseline?: BaselineLayout;
}

/** The baseline a MetricWindows was built with (plain data; see MetricWindows.baseline). */
export type BaselineLayout = SeasonalLayout | CohortLayout;

export interface SeasonalLayout {
  kind: 'seasonal';
  /** Period length in ms (1 day, 7 days, …). */
  periodMs: number;
  /** The reference ranges, newest first: reference k is the after window moved k periods back. */
  references: TimeRange[];
  /** Time blocks per reference range: reference k owns before-blocks [k·b, (k + 1)·b). */
  blocksPerReference: number;
  /**
   * The first `levelPeriods` references are the baseline (its quantiles and rates); the older ones only measure
   * the period-to-period variance (design-effect.ts). Absent: every reference is both.
   */
  levelPeriods?: number;
}

export interface CohortLayout {
  kind: 'cohort';
  /** The telemetry tag holding the cohort (e.g. `variant`). */
  tag: string;
  /** The flag-off value: the baseline ("before"); every other value is the treatment ("after"). */
  control: string;
  /** Treatment values seen, sorted. */
  treatments: string[];
  /** Points in the window without the tag (left out of both cohorts). */
  untagged: number;
}

// ---------------------------------------------------------------------------------------------
// Report contract, schemaVersion 1 (see ../shared/DESIGN.md). Additive fields only.

export type Verdict = 'pass' | 'warn' | 'fail';
/** `expectation`: something an upgrade promised (a flag state, a counter that must stay flat), pass or fail. */
export type FindingKind = 'tail_latency' | 'retry_rate' | 'backoff' | 'expectation';
export type FindingStatus = 'regression' | 'improvement' | 'no_change' | 'insufficient_data';

export interface Finding {
  kind: FindingKind;
  service: string;
  /** Endpoint for tail_latency, upstream API for retry_rate and backoff. */
  subject: string;
  /** e.g. p50 … p99.9, retries_per_call, exhausted_rate, median_wait. */
  statistic: string;
  unit: string;
  before: number | null;
  after: number | null;
  /** after / before − 1. */
  relativeChange: number | null;
  /**
   * Confidence interval of relativeChange. A bound may be ±Infinity in memory when too few observations lie beyond
   * a quantile to bound it; JSON has no Infinity, so serialised reports carry null for such a bound.
   */
  ci: [number, number] | null;
  /** Name of the test that produced pValue. */
  test: string;
  /** Which method produced `ci` (and whether it was widened for time clustering), in words. */
  interval?: string;
  pValue: number | null;
  /** Benjamini-Hochberg adjusted p-value across all findings of the report. */
  qValue: number | null;
  status: FindingStatus;
  nBefore: number;
  nAfter: number;
  /** One plain-English line. */
  reason: string;
  /** Confidence intervals of the before/after estimates themselves. */
  beforeCi?: [number, number] | null;
  afterCi?: [number, number] | null;
  /** after − before in `unit`. */
  absoluteChange?: number | null;
  /** For histogram input: the relative width of the bucket the estimate fell in. */
  resolution?: number | null;
  /** Extra numbers specific to the finding kind (e.g. Hodges-Lehmann shift for backoff). */
  details?: Record<string, number | string | null>;
  /**
   * Set on `expectation` findings: which expectation and its outcome. A failed one has status `regression`
   * (so it fails the verdict), a passed one `no_change` or `improvement`, an unknown one `insufficient_data`.
   */
  expectation?: { name: string; type: 'flag' | 'flat'; outcome: 'pass' | 'fail' | 'unknown' };
  /** Set on regressions with per-block data: when the change began, and whether that fits the upgrade (additive). */
  onset?: Onset;
}

/**
 * When a regression began (analysis/onset.ts): the change point of the regressed metric's per-block series over
 * both windows, with a confidence interval, and how it relates to the upgrade time.
 */
export interface Onset {
  /** RFC 3339: the start of the first block at the new rate. */
  at: string;
  /** RFC 3339 [earliest, latest] start in the confidence set. */
  interval: [string, string];
  confidence: number;
  /** at − upgradeAt in ms (negative: before the upgrade). */
  offsetMs: number;
  intervalOffsetMs: [number, number];
  /** `upgrade`: the upgrade lies in the interval (within a block); otherwise the change began before or after it. */
  relation: 'upgrade' | 'before_upgrade' | 'after_upgrade';
  /** What the series counts, e.g. "share of requests above the pooled p99 per block". */
  series: string;
  rateBefore: number;
  rateAfter: number;
  /** Design effect the log-likelihood was divided by (1 = independent blocks). */
  dispersion: number;
  method: string;
  /** One line, e.g. "began 40 min before the upgrade (95 % interval 44 min before to 37 min before): not the upgrade's". */
  description: string;
}

/**
 * A short burst in one window (found by the burst scan; see analysis/incidents.ts): its blocks were left out of
 * that window's comparison, so the findings judge what persists.
 */
export interface Incident {
  window: 'before' | 'after';
  kind: 'tail_latency' | 'retry_rate';
  service: string;
  subject: string;
  /** The split or rate scanned: p99 for "requests above the pooled p99", retries_per_call, exhausted_rate. */
  statistic: string;
  /** RFC 3339, half-open [start, stop). */
  start: string;
  stop: string;
  /** Rate in the burst ÷ rate in the rest of the window. */
  ratio: number;
  events: number;
  expected: number;
  /** Bonferroni-adjusted p-value of the burst within its scan. */
  pValue: number;
  description: string;
}

/** How much of a report could be judged (findings with enough data, and the subjects they cover). */
export interface Coverage {
  findings: number;
  judged: number;
  insufficient: number;
  /** Endpoints and upstream APIs in the report, and how many of them have at least one judged finding. */
  subjects: number;
  subjectsJudged: number;
}

/**
 * How much of one window holds data, at the resolution of its time blocks (`MetricWindows.blockMs`), over every
 * series of the report together (see analysis/window-coverage.ts for the rule that makes a window partly empty).
 */
export interface WindowCoverage {
  /** The window analysed (RFC 3339, as in `Report.windows`). */
  start: string;
  stop: string;
  blockMs: number;
  blocks: number;
  blocksWithData: number;
  /** blocksWithData / blocks. */
  share: number;
  /** Start of the first and end of the last time block with data; null when the window holds none. */
  firstData: string | null;
  lastData: string | null;
  /** Time without data between the window's start and `firstData`, and between `lastData` and its stop. */
  leadingGapMs: number;
  trailingGapMs: number;
  /** Runs of empty blocks judged to be missing data (longest first, at most MAX_REPORTED_GAPS of them). */
  gaps: Array<{ start: string; stop: string; ms: number }>;
  /** Total length of the runs judged missing, and its share of the window. */
  missingMs: number;
  missingShare: number;
  /** True when data is missing for part of the window (a gap above) or for all of it. */
  partlyEmpty: boolean;
  /**
   * Set when the asked window reached past the time of the analysis (the after window of an early gate run): the
   * asked stop, and how much of the asked window lay in the future and was not analysed.
   */
  requestedStop?: string;
  notElapsedMs?: number;
}

export interface Report {
  schemaVersion: 1;
  verdict: Verdict;
  upgradeAt: string;
  windows: { before: { start: string; stop: string }; after: { start: string; stop: string } };
  findings: Finding[];
  /** Human-readable summary line of the verdict. */
  summary: string;
  warnings: string[];
  source?: string;
  /** Effective decision settings, so a reader can check the verdict. */
  settings: AnalysisSettings;
  /** How much of the report could be judged (additive; absent in reports written before it existed). */
  coverage?: Coverage;
  /** Short bursts found in either window and left out of the comparison (additive). */
  incidents?: Incident[];
  /** Deployment markers seen in the windows (RFC 3339 times), when the source reads them. */
  markers?: Array<{ service: string; at: string; version?: string }>;
  /**
   * Data coverage of each window (additive; absent when the source recorded no time blocks). `before` is absent for
   * a seasonal baseline, whose reference periods `baseline` accounts for.
   */
  windowCoverage?: { before?: WindowCoverage; after: WindowCoverage };
  /** Which baseline the "before" side is and which windows it covered (issue 11, additive; absent = `before`). */
  baseline?: ReportBaseline;
}

/** The report's account of its baseline: `before` (the window before the upgrade), `seasonal` or `cohort`. */
export type ReportBaseline =
  | { kind: 'before'; window: { start: string; stop: string } }
  | {
      kind: 'seasonal';
      /** Period length, e.g. "1d". */
      period: string;
      periods: number;
      /**
       * Every reference period asked for, newest first, with what became of it. `role: 'variance'`: an older period of
       * a variance history, which only measures the period-to-period variation (absent: a baseline period).
       */
      references: Array<{ start: string; stop: string; requests: number; calls: number; status: 'used' | 'missing' | 'anomalous'; role?: 'variance' }>;
      /** Baseline periods with data (without a variance history: the clusters the day-to-day variation is measured over). */
      used: number;
      /** With a variance history: the periods that measure the period-to-period variation (baseline's included) and how many had data. */
      variancePeriods?: number;
      varianceUsed?: number;
      /**
       * Per service: do the periods differ by more than their within-period noise (analysis/period-effect.ts)?
       * `between`: yes (or not measurable), its comparisons use the between-period spread on G − 1 df; `within`:
       * no, they use the within-period variance.
       */
      periodEffect?: Array<{ service: string; comparisons: number; pValue: number | null; variance: 'between' | 'within' }>;
    }
  | {
      kind: 'cohort';
      tag: string;
      control: string;
      treatments: string[];
      /** Both cohorts come from this window (the after window). */
      window: { start: string; stop: string };
      /** Requests and calls of each side, and points without the tag (left out). */
      controlPoints: number;
      treatmentPoints: number;
      untagged: number;
    };

// ---------------------------------------------------------------------------------------------
// Series kept next to the report for charts: compact, independent of the raw volume.

export interface DistributionSketch {
  /** Probabilities at which quantiles are given, ascending in (0, 1). */
  probs: number[];
  /** Quantile values at those probabilities (null where the window is empty). */
  values: (number | null)[];
  n: number;
  /** Every observation, ascending, when there are few raw ones (charts draw the ECDF's real steps then). */
  exact?: number[];
}

export interface ReportSeries {
  latency: Array<{
    service: string;
    endpoint: string;
    before: DistributionSketch;
    after: DistributionSketch;
    timeline?: { intervalMs: number; t: number[]; count: number[]; p50: (number | null)[]; p99: (number | null)[] };
  }>;
  upstreams: Array<{
    service: string;
    upstream: string;
    backoffBefore: DistributionSketch;
    backoffAfter: DistributionSketch;
    timeline?: { intervalMs: number; t: number[]; calls: number[]; retries: number[]; exhausted: number[] };
  }>;
}

export interface AnalysisResult {
  report: Report;
  series: ReportSeries;
}

// ---------------------------------------------------------------------------------------------
// Decision settings (defaults in config/default.yaml).

export interface Tolerance {
  /** Minimum relative worsening to count as a regression (0.10 = +10 %). */
  relative: number;
  /** Minimum absolute worsening, in the statistic's unit. */
  absolute: number;
}

export interface AnalysisSettings {
  /** False-discovery rate for Benjamini-Hochberg across all findings of a report. */
  fdr: number;
  /** Confidence level of the intervals. */
  confidence: number;
  /** Quantiles tested for tail latency, e.g. [0.5, 0.9, 0.95, 0.99, 0.999]. */
  quantiles: number[];
  /** A quantile q needs at least minTailCount / (1 − q) observations in each window. */
  minTailCount: number;
  tolerance: {
    tail: Tolerance;
    retryRate: Tolerance;
    exhaustedRate: Tolerance;
    backoff: Tolerance;
  };
  /** Minimum calls per window for rate findings, minimum retried calls for backoff findings. */
  minCalls: number;
  minRetriedCalls: number;
  /** Short bursts (incidents): found, reported and kept out of the window comparison. */
  incidents: {
    /** Chance of reporting any incident in a report without one (split over every scan and run). */
    alpha: number;
    /** A burst covers at most this share of its window; a longer excess is a shift of the window. */
    maxShare: number;
    /** A burst at least multiplies the rate by this. */
    minRatio: number;
  };
  /**
   * When a run of empty time blocks counts as missing data (window-coverage.ts); defaults DEFAULT_GAP_SETTINGS.
   * A run must be longer than one block, than `maxShare` of its window, and emptier than the window's own rate
   * leaves a run of that length by chance (chance below `alpha`).
   */
  gaps?: { maxShare: number; alpha: number };
  /**
   * Seasonal baseline: which variance of a period total the comparisons use (design-effect.ts ReferencePeriods).
   * `between` (the default): the spread between the K periods, on K − 1 df, whatever the data. `auto`: per service,
   * the within-period variance (many df) when its periods differ by no more than their own noise (period-effect.ts),
   * else the between spread — much more power on steady days, but liberal when a day-to-day effect exists that K
   * periods are too few to show (measured in the README's calibration table).
   */
  seasonal?: { periodVariance: 'between' | 'auto' };
}
