/**
 * What an analysis is asked to do (the same fields on the CLI, in the HTTP body and in a guard target) and
 * the options of one run. Plain data: requests are stored with their analysis and sent to worker threads.
 */
import type { Expectation } from '../analysis/expectations.ts';
import type { AnalysisSettings } from '../analysis/types.ts';
import type { Config } from '../config.ts';

export interface AnalysisRequest {
  /** A configured source name, `demo`, a line-protocol file path, or an influx1+http:// / influx2+http(s):// URL. */
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
}

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
}

