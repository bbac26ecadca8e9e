/**
 * The recommendation for a report against the flag's live constants, or — when they are unknown (no Unleash
 * configured, a flag without a valid payload, or, when tolerated, a flag that cannot be read) — against the
 * stated defaults, saying so first. One implementation for the action service (dry runs, `tuneFromReport`, the
 * guard) and for the runtime, which adds it to every report (`report.recommendation`).
 */
import type { Report, ReportSeries } from '../analysis/types.ts';
import { DEFAULT_BACKOFF_CONSTANTS, type BackoffBounds, type BackoffConstants } from './backoff-constants.ts';
import type { FlagActions, FlagState } from './flag-actions.ts';
import { recommendBackoffSteps, type BackoffRecommendation, type RecommendOptions } from './recommend-backoff.ts';

export interface FlagRecommendation extends BackoffRecommendation {
  /** Where `current` came from: the flag's live payload, or the stated defaults (`assumption` says why). */
  currentSource: 'flag' | 'default';
  /** Why the default constants were assumed; null when the live constants were used. */
  assumption: string | null;
}

export interface FlagRecommendOptions {
  /** null: Unleash is not configured. */
  flags: FlagActions | null;
  bounds: BackoffBounds;
  series?: ReportSeries;
  service?: string;
  aim?: number;
  /** The flag state already read (saves a round trip). */
  state?: FlagState;
  signal?: AbortSignal;
  /**
   * A flag that cannot be read falls back to the defaults (with the reason) instead of failing: a report must not
   * fail because Unleash is down. Actions leave it false — they need the live state anyway.
   */
  tolerateReadFailure?: boolean;
}

export async function recommendForFlag(report: Report, options: FlagRecommendOptions): Promise<FlagRecommendation> {
  let current: BackoffConstants | null = null;
  let assumption: string | null = null;
  if (options.flags) {
    let state: FlagState | null = options.state ?? null;
    if (!state) {
      try {
        state = await options.flags.readState(options.signal);
      } catch (e) {
        if (!options.tolerateReadFailure) throw e;
        assumption = `the flag could not be read: ${(e as Error).message}`;
      }
    }
    if (state) {
      current = state.constants;
      if (!current) assumption = `flag "${state.flag}" carries no valid constants (${state.payloadProblem ?? 'no strategy variant payload'})`;
    }
  } else assumption = 'Unleash is not configured';
  const recommendation = await recommendBackoffYielding(report, {
    current: current ?? DEFAULT_BACKOFF_CONSTANTS,
    bounds: options.bounds,
    series: options.series,
    service: options.service,
    aim: options.aim,
  });
  if (assumption) recommendation.rationale.unshift(`Assuming the default constants ${JSON.stringify(DEFAULT_BACKOFF_CONSTANTS)} (${assumption}).`);
  return { ...recommendation, currentSource: current ? 'flag' : 'default', assumption };
}

/**
 * The model's search one step at a time, with a turn of the event loop between steps: this runs in the service
 * after every analysis with a tail regression, and in one piece it held verdict polls up for tens of ms (issue 12).
 */
async function recommendBackoffYielding(report: Report, options: RecommendOptions): Promise<BackoffRecommendation> {
  const steps = recommendBackoffSteps(report, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
