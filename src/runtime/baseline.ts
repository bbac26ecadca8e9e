/**
 * The baseline of one analysis, resolved once from the request and config.baseline (issue 11), so the CLI, the
 * HTTP service and the guard only pass the request's fields along:
 * - `before`: the window before the upgrade (today's behaviour);
 * - `seasonal`: the after window's clock window on each of the K previous periods (1d, 7d, …);
 * - `cohort`: the flag-off requests of the after window (tag = control) against every other tag value.
 */
import type { MetricWindows, TimeRange } from '../analysis/types.ts';
import type { Config } from '../config.ts';
import { parseDuration } from '../duration.ts';
import { AppError } from '../errors.ts';
import type { BaselineQuery } from '../sources/metric-source.ts';
import { BASELINE_KINDS, PERIOD_VARIANCES, type AnalysisRequest, type BaselineKind, type PeriodVariance } from './analysis-request.ts';

export interface ResolvedBaseline {
  kind: BaselineKind;
  /** The "before" range of the query (seasonal: spans every reference; cohort: the after window). */
  before: TimeRange;
  after: TimeRange;
  query?: BaselineQuery;
  /** Seasonal: the period as asked (e.g. "1d"), for the report. */
  period?: string;
  /** Seasonal: the request's choice of period variance, over config analysis.seasonal (absent: the config's). */
  periodVariance?: PeriodVariance;
}

/** The default variance history when config.baseline sets none: two weeks of days (t(13) for the day-to-day variation). */
export const DEFAULT_VARIANCE_PERIODS = 14;

/** At most this many reference periods: each is read in full. */
export const MAX_PERIODS = 52;
/** A tag name or value the sources can put into a query safely (the influx query builders escape anyway). */
const TAG_TEXT = /^[^\s,="'\\]{1,200}$/;

export function resolveBaseline(request: AnalysisRequest, config: Config, windows: { upgradeAt: number; beforeMs: number; afterMs: number }): ResolvedBaseline {
  const defaults = config.baseline;
  const kind = request.baseline ?? defaults.kind;
  if (!BASELINE_KINDS.includes(kind)) throw new AppError('BAD_INPUT', `baseline: must be one of ${BASELINE_KINDS.join(', ')} (got "${String(kind)}")`);
  const { upgradeAt, beforeMs, afterMs } = windows;
  const after = { start: upgradeAt, stop: upgradeAt + afterMs };
  if (kind === 'before') return { kind, before: { start: upgradeAt - beforeMs, stop: upgradeAt }, after };
  if (kind === 'cohort') {
    const tag = request.cohortTag ?? defaults.cohortTag;
    const control = request.control ?? defaults.control;
    for (const [what, text] of [['cohortTag', tag], ['control', control]] as const) {
      if (!TAG_TEXT.test(text)) throw new AppError('BAD_INPUT', `${what}: "${text}" is not a tag ${what === 'control' ? 'value' : 'name'} (no spaces, commas, quotes, = or \\; 1–200 characters)`);
    }
    return { kind, before: { ...after }, after, query: { kind: 'cohort', tag, control } };
  }
  const variance = request.periodVariance;
  if (variance !== undefined && !PERIOD_VARIANCES.includes(variance)) {
    throw new AppError('BAD_INPUT', `periodVariance: must be one of ${PERIOD_VARIANCES.join(', ')} (got "${String(variance)}")`);
  }
  const period = request.period ?? defaults.period;
  const periodMs = parseDuration(period, 'period');
  const { periods, variancePeriods } = seasonalPeriods(request, config);
  if (periodMs < afterMs) throw new AppError('BAD_INPUT', `period: "${period}" is shorter than the after window; the reference periods would overlap it`);
  const references = Array.from({ length: variancePeriods }, (_, i) => ({ start: after.start - (i + 1) * periodMs, stop: after.stop - (i + 1) * periodMs }));
  const before = { start: references[references.length - 1].start, stop: references[0].stop };
  const level = variancePeriods > periods ? { levelPeriods: periods } : {};
  return { kind, before, after, period, ...(variance ? { periodVariance: variance } : {}), query: { kind: 'seasonal', periodMs, references, ...level } };
}

/**
 * A seasonal request's baseline periods (K) and variance periods (H ≥ K, at least 2), over config.baseline; bad
 * values are BAD_INPUT naming the field (the HTTP service checks them before it stores anything).
 */
export function seasonalPeriods(request: Pick<AnalysisRequest, 'periods' | 'variancePeriods'>, config: Config): { periods: number; variancePeriods: number } {
  const defaults = config.baseline;
  const periods = request.periods ?? defaults.periods;
  if (!Number.isInteger(periods) || periods < 1 || periods > MAX_PERIODS) {
    throw new AppError('BAD_INPUT', `periods: must be a whole number from 1 to ${MAX_PERIODS} (got ${String(periods)})`);
  }
  const asked = request.variancePeriods;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < Math.max(2, periods) || asked > MAX_PERIODS)) {
    throw new AppError('BAD_INPUT', `variancePeriods: must be a whole number from ${Math.max(2, periods)} (the periods, at least 2) to ${MAX_PERIODS} (got ${String(asked)})`);
  }
  // The configured history never shortens an explicit --periods: it only adds older periods. At least 2 either way
  // (the config's variancePeriods is too): one period cannot measure the period-to-period variation.
  return { periods, variancePeriods: asked ?? Math.max(periods, defaults.variancePeriods ?? DEFAULT_VARIANCE_PERIODS) };
}

/**
 * A cohort baseline whose control value no point carries (a misspelt --control, a flag named differently) would
 * compare nothing with everything and pass: refuse it, naming the values that were seen.
 */
export function checkCohortData(windows: MetricWindows, description: string): void {
  const b = windows.baseline;
  if (b?.kind !== 'cohort') return;
  const size = (s: { kind: 'raw'; values: Float64Array } | { kind: 'histogram'; counts: Float64Array }) => (s.kind === 'raw' ? s.values.length : s.counts.reduce((x, y) => x + y, 0));
  const control = windows.latency.reduce((n, s) => n + size(s.before), 0) + windows.upstreams.reduce((n, u) => n + u.before.calls, 0);
  if (control > 0) return;
  const seen = b.treatments.length ? `values seen: ${b.treatments.join(', ')}` : `no point carries the tag at all`;
  throw new AppError('BAD_INPUT', `${description}: cohort baseline: no point in the after window has ${b.tag}=${b.control} (the control); ${seen}`);
}
