import type { EventCountQuery, MetricWindows, TimeRange } from '../analysis/types.ts';

/** What to fetch: the two windows around the upgrade and optional filters. */
export interface MetricQuery {
  upgradeAt: number;
  before: TimeRange;
  after: TimeRange;
  /** Only these services (all when absent or empty). */
  services?: string[];
  /** Only these endpoints (all when absent or empty). */
  endpoints?: string[];
  signal?: AbortSignal;
  /** Progress in [0, 1] for long reads; may be called often. */
  onProgress?: (fraction: number) => void;
  /** Log sink for warnings and progress lines (stderr in the CLI, pino in the service). */
  log?: (message: string) => void;
  /**
   * Event counters to total per service and window (`MetricWindows.eventCounts`), for "must stay flat"
   * expectations. Sources that cannot read them yet ignore this; deployment markers (`MetricWindows.markers`)
   * need no asking: a source that can read them reports those within the windows.
   */
  eventCounts?: EventCountQuery[];
  /**
   * The baseline when it is not the window before the upgrade (absent = `before`; resolved once, in
   * runtime/baseline.ts). Seasonal: `before` spans the references and points count only inside one of them.
   * Cohort: `before` equals `after`, and points go to a side by the value of the cohort tag, which sources read
   * from their telemetry (line-protocol tag, InfluxDB GROUP BY / group() column, Prometheus label).
   */
  baseline?: BaselineQuery;
  /** Refuse with a clear error past this many distinct series (config input.maxSeries; default in window-builder). */
  maxSeries?: number;
  /**
   * false: the windows need no per-interval timelines (`LatencySeries.timeline`, `UpstreamSeries.timeline`), which
   * only charts draw; sources on the WindowBuilder then keep no per-interval state (default true).
   */
  timelines?: boolean;
}

export type BaselineQuery = SeasonalQuery | CohortQuery;

export interface SeasonalQuery {
  kind: 'seasonal';
  periodMs: number;
  /** Newest first: the after window moved back 1, 2, … H periods. */
  references: TimeRange[];
  /**
   * The first `levelPeriods` references are the baseline; the older ones only measure the period-to-period
   * variance (a longer history for the uncertainty, analysis/design-effect.ts). Absent: every reference is both.
   */
  levelPeriods?: number;
}

export interface CohortQuery {
  kind: 'cohort';
  /** Tag (label) holding the cohort, e.g. `variant`. */
  tag: string;
  /** Its flag-off value; every other value is the treatment. */
  control: string;
}

/** A place telemetry comes from. Implementations by technology: LineProtocolFileSource, DemoSource, InfluxV1Source, InfluxV2Source, PrometheusSource. */
export interface MetricSource {
  /** Short description without secrets, copied onto the report. */
  readonly description: string;
  fetch(query: MetricQuery): Promise<MetricWindows>;
  /** Cheap reachability check for /readyz. */
  ping?(signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}
