/**
 * Backoff findings per upstream API: how long retried calls waited in total between their tries (`backoff_ms`
 * of calls with attempts > 1). Judged on the median wait (tolerance +25 % and +20 ms by default), tested with the
 * Mann-Whitney U test (the wait distribution tends to shift as a whole when backoff constants change, which is
 * what a rank test detects best), with the Hodges-Lehmann shift (after − before) and its distribution-free
 * interval as the effect size. Histogram input uses the binned Mann-Whitney (each bucket one tie group).
 */
import { hodgesLehmann, mannWhitneyU, mannWhitneyUBinned } from '../stats/index.ts';
import type { Candidate } from './candidate.ts';
import { formatNumber } from './format.ts';
import { relativeChange, relativeChangeInterval } from './ratio-interval.ts';
import { poolable, quantileOf, type SampleView } from './sample-view.ts';
import type { AnalysisSettings, UpstreamSeries } from './types.ts';

export function backoffCandidate(
  series: UpstreamSeries,
  views: { before: SampleView; after: SampleView },
  settings: AnalysisSettings,
): Candidate {
  const { before, after } = views;
  const label = 'median wait of retried calls';
  const mb = quantileOf(before, 0.5, settings.confidence);
  const ma = quantileOf(after, 0.5, settings.confidence);
  const base = {
    kind: 'backoff' as const,
    service: series.service,
    subject: series.upstream,
    statistic: 'median_wait',
    unit: 'ms',
    before: mb?.estimate ?? null,
    after: ma?.estimate ?? null,
    beforeCi: mb ? ([mb.lower, mb.upper] as [number, number]) : null,
    afterCi: ma ? ([ma.lower, ma.upper] as [number, number]) : null,
    nBefore: before.n,
    nAfter: after.n,
    relativeChange: relativeChange(mb?.estimate ?? null, ma?.estimate ?? null),
    absoluteChange: mb && ma ? ma.estimate - mb.estimate : null,
    resolution: mb?.resolution ?? ma?.resolution ?? null,
  };
  const min = settings.minRetriedCalls;
  if (before.n < min || after.n < min) {
    return {
      finding: { ...base, ci: null, test: 'none', pValue: null },
      direction: 0,
      tolerance: settings.tolerance.backoff,
      label,
      insufficient: noWaitsReported(series, before, after)
        ? // Per-interval counters count retries but carry no waits: "had 0 retried calls" would be false.
          `no backoff waits in the data for the ${formatNumber(series.before.retries)} retries before and ${formatNumber(series.after.retries)} after ` +
          '(pre-aggregated counters carry none); the backoff comparison needs the waits of retried calls'
        : `the backoff comparison needs at least ${formatNumber(min)} retried calls in each window; had ${formatNumber(before.n)} before and ${formatNumber(after.n)} after`,
    };
  }
  const ci = mb && ma ? relativeChangeInterval(mb, ma) : null;
  if (after.kind === 'raw' && before.kind === 'raw') {
    const mw = mannWhitneyU(after.sorted, before.sorted, { alternative: 'two-sided' });
    const hl = hodgesLehmann(after.sorted, before.sorted, settings.confidence);
    const direction = directionOfU(mw.u, after.n, before.n);
    return {
      finding: {
        ...base,
        ci,
        test: 'mann-whitney-u',
        pValue: mw.pValue,
        details: { shiftMs: hl.estimate, shiftLowerMs: hl.lower, shiftUpperMs: hl.upper, u: mw.u },
      },
      direction,
      tolerance: settings.tolerance.backoff,
      label,
    };
  }
  // Histograms on different layouts (or raw next to a histogram) are compared on the buckets they can share.
  const pair = poolable(after, before);
  if (pair !== null && pair[0].kind === 'histogram' && pair[1].kind === 'histogram') {
    const mw = mannWhitneyUBinned(pair[0].counts, pair[1].counts, { alternative: 'two-sided' });
    return {
      finding: { ...base, ci, test: 'mann-whitney-u (binned)', pValue: mw.pValue, details: { u: mw.u } },
      direction: directionOfU(mw.u, after.n, before.n),
      tolerance: settings.tolerance.backoff,
      label,
    };
  }
  // No test possible: claiming "no significant change" would let any change pass.
  return {
    finding: { ...base, ci, test: 'none (windows on different bucket layouts)', pValue: null },
    direction: 0,
    tolerance: settings.tolerance.backoff,
    label,
    insufficient: "the two windows' backoff histogram buckets share no edge, so they cannot be compared",
  };
}

/** U of `after` above its null mean n·m/2 means after tends to be larger (worse for waits). */
function directionOfU(u: number, nAfter: number, nBefore: number): -1 | 0 | 1 {
  const mean = (nAfter * nBefore) / 2;
  return u > mean ? 1 : u < mean ? -1 : 0;
}

/** Retries were counted in a window whose data holds no wait at all (counters without a backoff histogram). */
function noWaitsReported(series: UpstreamSeries, before: SampleView, after: SampleView): boolean {
  return (before.n === 0 && series.before.retries > 0) || (after.n === 0 && series.after.retries > 0);
}
