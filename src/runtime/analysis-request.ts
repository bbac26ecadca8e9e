/**
 * What an analysis is asked to do (the same fields on the CLI, in the HTTP body and in a guard target) and
 * the options of one run. Plain data: requests are stored with their analysis and sent to worker threads.
 */
import type { Expectation } from '../analysis/expectations.ts';
import type { AnalysisSettings } from '../analysis/types.ts';
import type { Config } from '../config.ts';

export interface AnalysisRequest {
  /** A configured source name, `demo`, a line-protocol file path, or an influx1+http:// / influx2+http(s):// / prom+http(s):// URL. */
  source: string;
  /** RFC 3339 time of the upgrade. */
  upgradeAt: string;
  /** Window lengths, e.g. "2h": before ends at the upgrade, after starts at it. */
  before?: string;
  after?: string;
  services?: string[];
  endpoints?: string[];
  /** Timestamp unit of line-protocol input (CLI `--precision`); never accepted over HTTP, where sources are named. */
  precision?: 'ns' | 'us' | 'ms' | 's';
  /** The upgrade this analysis is for (issue 15): its page and rollback plan find the analysis by it. */
  upgradeId?: string;
  /** The upgrade's expectations, checked with this analysis (copied from the upgrade when it is submitted). */
  expectations?: Expectation[];
  /**
   * Accept an upgrade time after the current time and windows reaching past it, as given (CLI `--allow-future`);
   * without it such an upgrade time is refused and windows are cut at the time of the analysis (elapsed-windows.ts).
   */
  allowFuture?: boolean;
  /** Total time for the whole analysis, e.g. "10m" (CLI `--deadline`; default config `deadlines.analysisMs`). */
  deadline?: string;
  /** Total time for reading both windows from the source (CLI `--fetch-deadline`; default `deadlines.fetchMs`). */
  fetchDeadline?: string;
  /**
   * What the after window is compared with (issue 11; default config.baseline.kind, normally `before`):
   * `before` the window before the upgrade; `seasonal` the same clock window `periods` × `period` earlier;
   * `cohort` the flag-off requests (`cohortTag` = `control`) of the after window itself. See ./baseline.ts.
   */
  baseline?: BaselineKind;
  /** Seasonal: period length, `1d`, `7d` or any duration (default config.baseline.period). */
  period?: string;
  /** Seasonal: number of earlier periods that are the baseline, at least 1 (default config.baseline.periods). */
  periods?: number;
  /**
   * Seasonal: number of earlier periods (the baseline's included) whose same clock window measures the
   * period-to-period variation, at least 2 (default config.baseline.variancePeriods; never fewer than `periods`).
   * The older ones are a variance history: they widen nothing by being different days, they give the variance
   * its degrees of freedom (14 periods: t(13) instead of t(2) with 3).
   */
  variancePeriods?: number;
  /**
   * Seasonal: which variance of a period total the comparisons use (default config analysis.seasonal.periodVariance,
   * normally `between`): `between` the spread of the periods (t(K − 1), honest whatever the day-to-day effect);
   * `auto` per service the within-period variance when the periods differ by no more than their noise (more power
   * on alike days, liberal with small day effects: analysis/period-effect.ts).
   */
  periodVariance?: PeriodVariance;
  /** Cohort: the telemetry tag holding the flag cohort (default config.baseline.cohortTag, `variant`). */
  cohortTag?: string;
  /** Cohort: the flag-off value of that tag; every other value is the treatment (default config.baseline.control). */
  control?: string;
}

export const BASELINE_KINDS = ['before', 'seasonal', 'cohort'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** The choices of analysis.seasonal.periodVariance, listed once for the CLI, the HTTP body and guard target schemas. */
export type PeriodVariance = NonNullable<AnalysisSettings['seasonal']>['periodVariance'];
export const PERIOD_VARIANCES = ['between', 'auto'] as const satisfies readonly PeriodVariance[];

export const DEFAULT_WINDOW = '2h';

export interface RunOptions {
  config: Config;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  log?: (message: string) => void;
  /** Overrides merged over config.analysis for this run (e.g. other tolerances in a notebook). */
  settings?: Partial<AnalysisSettings>;
  /** Environment for Unleash settings of flag expectations (default process.env; worker threads inherit it). */
  env?: NodeJS.ProcessEnv;
  /** The clock (epoch ms) the windows are cut at and future upgrade times are judged by; Date.now by default. */
  now?: () => number;
  /**
   * false: the caller draws no charts (JSON, Markdown or JUnit output), so no timelines are read and the result's
   * series keep only what the recommendation reads (analysis/analyze.ts AnalyzeOptions.charts). Default true.
   */
  charts?: boolean;
}

