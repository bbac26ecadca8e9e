/**
 * Retry findings per upstream API: retries per call (attempts − 1 summed over calls) and the share of calls that
 * exhausted their retries (ok=false). Both are counts over an exposure (calls), compared with the exact
 * conditional Poisson rate test (as R's poisson.test): the rate ratio after/before with its exact interval.
 *
 * Caveat, stated in the docs: retries of one call are not independent (a call that failed once is likelier to fail
 * again), which makes retry counts slightly over-dispersed relative to Poisson. For the small per-attempt failure
 * rates seen in practice the inflation is small (dispersion 1/(1−p) for geometric retries, ≈1.05 at p = 5 %).
 */
import { poissonRateTest } from '../stats/index.ts';
import type { Candidate } from './candidate.ts';
import { formatNumber } from './format.ts';
import type { AnalysisSettings, Tolerance, UpstreamSeries } from './types.ts';

export function retryRateCandidates(series: UpstreamSeries, settings: AnalysisSettings): Candidate[] {
  const { before, after } = series;
  return [
    rateCandidate(series, {
      statistic: 'retries_per_call',
      label: 'retries per call',
      unit: 'retries/call',
      countBefore: before.retries,
      countAfter: after.retries,
      tolerance: settings.tolerance.retryRate,
      settings,
    }),
    rateCandidate(series, {
      statistic: 'exhausted_rate',
      label: 'share of calls that exhausted their retries',
      unit: 'share of calls',
      countBefore: before.exhausted,
      countAfter: after.exhausted,
      tolerance: settings.tolerance.exhaustedRate,
      settings,
    }),
  ];
}

interface RateSpec {
  statistic: string;
  label: string;
  unit: string;
  countBefore: number;
  countAfter: number;
  tolerance: Tolerance;
  settings: AnalysisSettings;
}

function rateCandidate(series: UpstreamSeries, spec: RateSpec): Candidate {
  const callsBefore = series.before.calls;
  const callsAfter = series.after.calls;
  const rateBefore = callsBefore > 0 ? spec.countBefore / callsBefore : null;
  const rateAfter = callsAfter > 0 ? spec.countAfter / callsAfter : null;
  const base = {
    kind: 'retry_rate' as const,
    service: series.service,
    subject: series.upstream,
    statistic: spec.statistic,
    unit: spec.unit,
    before: rateBefore,
    after: rateAfter,
    nBefore: callsBefore,
    nAfter: callsAfter,
    absoluteChange: rateBefore !== null && rateAfter !== null ? rateAfter - rateBefore : null,
    details: { countBefore: spec.countBefore, countAfter: spec.countAfter },
  };
  const min = spec.settings.minCalls;
  if (callsBefore < min || callsAfter < min) {
    return {
      finding: { ...base, relativeChange: relChange(rateBefore, rateAfter), ci: null, test: 'none', pValue: null },
      direction: 0,
      tolerance: spec.tolerance,
      label: spec.label,
      insufficient: `${spec.label} needs at least ${formatNumber(min)} calls in each window; had ${formatNumber(callsBefore)} before and ${formatNumber(callsAfter)} after`,
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
  const r = poissonRateTest(spec.countBefore, callsBefore, spec.countAfter, callsAfter, {
    alternative: 'two-sided',
    confidence: spec.settings.confidence,
  });
  const direction: -1 | 0 | 1 = r.rateRatio > 1 ? 1 : r.rateRatio < 1 ? -1 : 0;
  return {
    finding: {
      ...base,
      relativeChange: Number.isFinite(r.rateRatio) ? r.rateRatio - 1 : null,
      ci: [r.lower - 1, r.upper - 1],
      test: 'exact-poisson-rate-test',
      pValue: r.pValue,
    },
    direction,
    tolerance: spec.tolerance,
    label: spec.label,
  };
}

function relChange(b: number | null, a: number | null): number | null {
  return b !== null && a !== null && b > 0 ? a / b - 1 : null;
}
