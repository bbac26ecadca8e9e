/**
 * Retry findings per upstream API: retries per call (attempts − 1 summed over calls) and the share of calls that
 * exhausted their retries (ok=false). Both are counts over an exposure (calls), compared with the exact
 * conditional Poisson rate test (as R's poisson.test): the rate ratio after/before with its exact interval.
 *
 * Retries are not independent: a call that failed once is likelier to fail again (over-dispersion 1/(1 − p) for
 * geometric retries), and failures come in bursts (an upstream degrades for a minute, every call retries). The
 * per-block sums measure that: each window's design effect (the variance of its rate ÷ the Poisson variance, from
 * the flat-top long-run variance of the per-block residuals, design-effect.ts) turns the exact test into its
 * Rao–Scott form on effective counts (raoScottRateTest). With no excess variance measured the test is the exact
 * Poisson test unchanged.
 */
import { raoScottRateTest } from '../stats/index.ts';
import type { Candidate } from './candidate.ts';
import { designEffects, jointDf, type BlockSeries, type ReferencePeriods } from './design-effect.ts';
import { formatNumber } from './format.ts';
import type { AnalysisSettings, FindingKind, Tolerance, UpstreamSeries } from './types.ts';

/** `periods`: the reference periods when "before" is a seasonal baseline's K periods. */
export function retryRateCandidates(series: UpstreamSeries, settings: AnalysisSettings, periods?: ReferencePeriods): Candidate[] {
  const { before, after } = series;
  const clustered = (s: BlockSeries | null): BlockSeries | null => (s && periods ? { ...s, periods } : s);
  const common = {
    kind: 'retry_rate' as const,
    service: series.service,
    subject: series.upstream,
    exposureBefore: before.calls,
    exposureAfter: after.calls,
    minExposure: settings.minCalls,
    exposureNoun: 'calls',
    settings,
  };
  return [
    rateCandidate({
      ...common,
      statistic: 'retries_per_call',
      label: 'retries per call',
      unit: 'retries/call',
      countBefore: before.retries,
      countAfter: after.retries,
      tolerance: settings.tolerance.retryRate,
      blocks: [clustered(blockSeries(before.perBlock?.retries, before.perBlock?.calls)), clustered(blockSeries(after.perBlock?.retries, after.perBlock?.calls))],
      variance: 'poisson',
    }),
    rateCandidate({
      ...common,
      statistic: 'exhausted_rate',
      label: 'share of calls that exhausted their retries',
      unit: 'share of calls',
      countBefore: before.exhausted,
      countAfter: after.exhausted,
      tolerance: settings.tolerance.exhaustedRate,
      blocks: [clustered(blockSeries(before.perBlock?.exhausted, before.perBlock?.calls)), clustered(blockSeries(after.perBlock?.exhausted, after.perBlock?.calls))],
      variance: 'binomial',
    }),
  ];
}

function blockSeries(events: Float64Array | undefined, trials: Float64Array | undefined): BlockSeries | null {
  return events && trials ? { events, trials } : null;
}

/** Events counted over an exposure in each window (retries over calls, fallbacks over requests or hours). */
export interface RateSpec {
  kind: FindingKind;
  service: string;
  subject: string;
  statistic: string;
  label: string;
  unit: string;
  countBefore: number;
  countAfter: number;
  /** What the counts are per: calls, requests, hours. */
  exposureBefore: number;
  exposureAfter: number;
  /** Exposure each window needs before the rates are compared (minCalls for calls). */
  minExposure: number;
  /** Plural noun of the exposure for the insufficient-data reason, e.g. "calls". */
  exposureNoun: string;
  /** Observations reported as nBefore/nAfter (default: the exposures). */
  nBefore?: number;
  nAfter?: number;
  tolerance: Tolerance;
  settings: AnalysisSettings;
  /** Per-block events and exposure of each window (absent or null: unknown, treated as independent). */
  blocks?: [BlockSeries | null, BlockSeries | null];
  /** Retries per call vary like a Poisson rate (the default); the exhausted share like a binomial share. */
  variance?: 'poisson' | 'binomial';
}

/**
 * One rate finding: the exact conditional Poisson test of countAfter/exposureAfter against
 * countBefore/exposureBefore, with the rate ratio's exact interval (in its Rao–Scott form when the per-block sums
 * show excess variance); worse = higher.
 */
export function rateCandidate(spec: RateSpec): Candidate {
  const callsBefore = spec.exposureBefore;
  const callsAfter = spec.exposureAfter;
  const rateBefore = callsBefore > 0 ? spec.countBefore / callsBefore : null;
  const rateAfter = callsAfter > 0 ? spec.countAfter / callsAfter : null;
  const base = {
    kind: spec.kind,
    service: spec.service,
    subject: spec.subject,
    statistic: spec.statistic,
    unit: spec.unit,
    before: rateBefore,
    after: rateAfter,
    nBefore: spec.nBefore ?? callsBefore,
    nAfter: spec.nAfter ?? callsAfter,
    absoluteChange: rateBefore !== null && rateAfter !== null ? rateAfter - rateBefore : null,
    details: { countBefore: spec.countBefore, countAfter: spec.countAfter },
  };
  const min = spec.minExposure;
  if (callsBefore < min || callsAfter < min || !(callsBefore > 0) || !(callsAfter > 0)) {
    return {
      finding: { ...base, relativeChange: relChange(rateBefore, rateAfter), ci: null, test: 'none', pValue: null },
      direction: 0,
      tolerance: spec.tolerance,
      label: spec.label,
      insufficient: `${spec.label} needs at least ${formatNumber(Math.max(min, 1))} ${spec.exposureNoun} in each window; had ${formatNumber(callsBefore)} before and ${formatNumber(callsAfter)} after`,
    };
  }
  if (spec.countBefore + spec.countAfter === 0) {
    // Nothing happened in either window: the rate is zero on both sides and there is nothing to test.
    return {
      finding: { ...base, relativeChange: 0, ci: null, test: 'none (no events in either window)', pValue: 1 },
      direction: 0,
      tolerance: spec.tolerance,
      label: spec.label,
    };
  }
  const pooledRate = (spec.countBefore + spec.countAfter) / (callsBefore + callsAfter);
  const design = designEffects(spec.blocks?.[0] ?? null, spec.blocks?.[1] ?? null, pooledRate, spec.variance ?? 'poisson');
  const r = raoScottRateTest(
    { k: spec.countBefore, n: callsBefore, ...design.before },
    { k: spec.countAfter, n: callsAfter, ...design.after },
    { alternative: 'two-sided', confidence: spec.settings.confidence, ...jointDf(design) },
  );
  const direction: -1 | 0 | 1 = r.rateRatio > 1 ? 1 : r.rateRatio < 1 ? -1 : 0;
  const clustered = r.method !== 'exact-poisson';
  return {
    finding: {
      ...base,
      relativeChange: Number.isFinite(r.rateRatio) ? r.rateRatio - 1 : null,
      ci: [r.lower - 1, r.upper - 1],
      test: clustered ? `rao-scott-rate-test (${r.method}${r.df !== Infinity ? `, ${formatNumber(r.df)} df` : ''})` : 'exact-poisson-rate-test',
      pValue: r.pValue,
      interval: clustered
        ? `rate ratio on effective counts, widened for time clustering (design effect ${formatNumber(design.before.designEffect)} before, ${formatNumber(design.after.designEffect)} after)`
        : 'exact conditional (Clopper-Pearson) rate ratio',
      details: {
        ...base.details,
        designEffectBefore: design.before.designEffect,
        designEffectAfter: design.after.designEffect,
        blockBandwidth: design.bandwidth,
      },
    },
    direction,
    tolerance: spec.tolerance,
    label: spec.label,
  };
}

function relChange(b: number | null, a: number | null): number | null {
  return b !== null && a !== null && b > 0 ? a / b - 1 : null;
}
