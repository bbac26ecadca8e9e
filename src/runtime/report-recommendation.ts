/**
 * Composes the backoff recommendation into a finished analysis: `report.recommendation` (an additive field of
 * report schemaVersion 1), so that every report format shows it — JSON as is, Markdown and HTML as a section —
 * without src/analysis or src/report knowing about flags. Against the flag's live constants when Unleash is
 * configured and answers; otherwise against the stated defaults, saying why. A report never fails because of it.
 */
import type { AnalysisResult } from '../analysis/types.ts';
import { DEFAULT_BACKOFF_CONSTANTS, type BackoffBounds } from '../actions/backoff-constants.ts';
import type { FlagActions } from '../actions/flag-actions.ts';
import { recommendForFlag, type FlagRecommendation } from '../actions/flag-recommendation.ts';
import { quantileOf, recommendBackoff } from '../actions/recommend-backoff.ts';

/** How long a report waits for the flag's live constants before it uses the defaults (a CI gate must not hang on Unleash). */
export const DEFAULT_RECOMMENDATION_READ_MS = 5000;

export interface RecommendationOptions {
  flags: FlagActions | null;
  bounds: BackoffBounds;
  readTimeoutMs?: number;
}

export async function withRecommendation(result: AnalysisResult, options: RecommendationOptions): Promise<AnalysisResult> {
  const { report, series } = result;
  // Nothing to tune without a tail-latency regression: no reason to ask Unleash (the answer is "none" either way).
  const tail = report.findings.some((f) => f.kind === 'tail_latency' && f.status === 'regression' && quantileOf(f.statistic) !== null);
  const recommendation: FlagRecommendation = tail
    ? await recommendForFlag(report, {
        flags: options.flags,
        bounds: options.bounds,
        series,
        signal: AbortSignal.timeout(options.readTimeoutMs ?? DEFAULT_RECOMMENDATION_READ_MS),
        tolerateReadFailure: true,
      })
    : {
        ...recommendBackoff(report, { current: DEFAULT_BACKOFF_CONSTANTS, bounds: options.bounds, series }),
        currentSource: 'default',
        assumption: 'the flag was not read: there is no tail-latency regression to act on',
      };
  return { ...result, report: { ...report, recommendation } as typeof report };
}
