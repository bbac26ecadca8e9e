/**
 * Backoff findings per upstream API: how long retried calls waited in total between their tries (`backoff_ms`
 * of calls with attempts > 1). Judged on the median wait (tolerance +25 % and +20 ms by default), tested with the
 * Mann-Whitney U test (the wait distribution tends to shift as a whole when backoff constants change, which is
 * what a rank test detects best), with the Hodges-Lehmann shift (after − before) and its distribution-free
 * interval as the effect size. Histogram input uses the binned Mann-Whitney (each bucket one tie group).
 * Waits cluster in time like the retries that cause them: with time blocks the rank test's variance is the
 * clustered one (Obuchowski's per-cluster placements; see clusteredRankVariance) and its intervals widen to match.
 */
import {
  hodgesLehmann,
  mannWhitneyPlacements,
  mannWhitneyU,
  mannWhitneyUBinned,
  normalCdf,
  normalQuantile,
  studentTQuantile,
  studentTSf,
  welchSatterthwaiteDf,
} from '../stats/index.ts';
import type { Candidate } from './candidate.ts';
import { designEffectsOfSums, type CentredSums, type DesignEstimate } from './design-effect.ts';
import { formatNumber } from './format.ts';
import { bucketBoundedChangeInterval, relativeChange, relativeChangeInterval } from './ratio-interval.ts';
import { poolable, quantileOf, type SampleView, type SortedRawView } from './sample-view.ts';
import { quantileDesigns } from './tail-latency.ts';
import type { AnalysisSettings, UpstreamSeries } from './types.ts';

export function backoffCandidate(
  series: UpstreamSeries,
  views: { before: SampleView; after: SampleView },
  settings: AnalysisSettings,
): Candidate {
  const { before, after } = views;
  const label = 'median wait of retried calls';
  const medianDesigns = quantileDesigns(before, after, 0.5, settings.confidence);
  const mb = quantileOf(before, 0.5, settings.confidence, medianDesigns.before);
  const ma = quantileOf(after, 0.5, settings.confidence, medianDesigns.after);
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
  const bucketRanges = mb && ma && (mb.bucket || ma.bucket) ? { before: mb.bucket ?? ([mb.estimate, mb.estimate] as [number, number]), after: ma.bucket ?? ([ma.estimate, ma.estimate] as [number, number]) } : undefined;
  const ci = mb && ma ? (bucketRanges ? bucketBoundedChangeInterval(mb, ma) : relativeChangeInterval(mb, ma)) : null;
  if (after.kind === 'raw' && before.kind === 'raw') {
    const mw = mannWhitneyU(after.sorted, before.sorted, { alternative: 'two-sided' });
    const clustering = clusteredRankVariance(after, before);
    // Time clustering inflates the rank statistic's variance by `inflation` (1 without it): the z shrinks by its
    // root, the reference becomes t, and the Hodges-Lehmann interval widens to the matching confidence level.
    // (A seasonal baseline's variance is estimated from G periods even at inflation 1: finite df, t reference.)
    const clustered = clustering.inflation > 1 || clustering.df !== Infinity;
    const pValue = clustered ? Math.min(1, 2 * studentTSf(Math.abs(mw.z) / Math.sqrt(clustering.inflation), clustering.df)) : mw.pValue;
    const hl = hodgesLehmann(after.sorted, before.sorted, widenedConfidence(settings.confidence, clustering.inflation, clustering.df));
    const direction = directionOfU(mw.u, after.n, before.n);
    return {
      finding: {
        ...base,
        ci,
        test: clustered ? `mann-whitney-u (clustered, ${formatNumber(clustering.df)} df)` : 'mann-whitney-u',
        pValue,
        interval: clustered
          ? `MOVER ratio of per-window order-statistic intervals, widened by Woodruff's method for time clustering`
          : 'MOVER ratio of per-window distribution-free order statistics',
        details: {
          shiftMs: hl.estimate,
          shiftLowerMs: hl.lower,
          shiftUpperMs: hl.upper,
          u: mw.u,
          designEffectBefore: clustering.design?.before.designEffect ?? 1,
          designEffectAfter: clustering.design?.after.designEffect ?? 1,
          blockBandwidth: clustering.design?.bandwidth ?? null,
        },
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
      ...(bucketRanges ? { bucketRanges } : {}),
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

/**
 * How much time clustering inflates the variance of the Mann-Whitney statistic: DeLong's variance of θ̂ = U/(nm)
 * is S₁₀/n + S₀₁/m from the placement values; clustered in time, each window's part is that of its per-block
 * sums of centred placements (Obuchowski 1997), measured with the same long-run variance as every other test
 * (design-effect.ts). inflation = clustered ÷ independent variance (1 without blocks or excess variance), with the
 * Welch–Satterthwaite degrees of freedom of the clustered estimate.
 */
function clusteredRankVariance(after: SortedRawView, before: SortedRawView): { inflation: number; df: number; design: DesignEstimate | null } {
  if (!after.timed || !before.timed) return { inflation: 1, df: Infinity, design: null };
  // A variance history (seasonal, ReferencePeriods.levelBlocks): the statistic and the after values' placements
  // are against the baseline periods (the view's sorted values); every before value's placement depends on the
  // after values only, so the older periods' placements measure the period-to-period spread like the others'.
  const level = before.timed.periods?.levelBlocks;
  const history = level !== undefined && level < before.timed.blockCount;
  const { placementsX, placementsY, auc } = mannWhitneyPlacements(after.timed.values, history ? before.sorted : before.timed.values);
  const beforePlacements = history ? mannWhitneyPlacements(after.timed.values, before.timed.values).placementsY : placementsY;
  const centred = (p: Float64Array, timed: NonNullable<SortedRawView['timed']>): CentredSums => {
    const { blocks, blockCount, periods } = timed;
    const end = periods?.levelBlocks ?? Infinity;
    const sums = new Float64Array(blockCount);
    const weights = new Float64Array(blockCount);
    let squares = 0;
    let count = 0;
    for (let i = 0; i < p.length; i++) {
      const d = p[i] - auc;
      sums[blocks[i]] += d;
      weights[blocks[i]]++;
      if (blocks[i] >= end) continue;
      squares += d * d;
      count++;
    }
    // The independent variance of the (baseline's) total: n·S with S the sample variance (n − 1 denominator).
    const independentVariance = count > 1 ? (squares * count) / (count - 1) : 0;
    return { sums, independentVariance, ...(periods ? { clusters: { periods, weights } } : {}) };
  };
  const a = centred(placementsX, after.timed);
  const b = centred(beforePlacements, before.timed);
  const design = designEffectsOfSums(b, a);
  // Var(θ̂) parts: Var(mean placement) = Var(total)/n².
  const va = a.independentVariance / (after.n * after.n);
  const vb = b.independentVariance / (before.n * before.n);
  const independent = va + vb;
  const clustered = design.after.designEffect * va + design.before.designEffect * vb;
  if (!(independent > 0) || !(clustered > independent)) return { inflation: 1, df: design.jointDf ?? Infinity, design };
  const df = design.jointDf ?? welchSatterthwaiteDf([design.after.designEffect * va, design.before.designEffect * vb], [design.after.df, design.before.df]);
  return { inflation: clustered / independent, df, design };
}

/** The confidence level whose normal critical value is t_df(confidence)·√inflation (equal to `confidence` at 1, ∞). */
function widenedConfidence(confidence: number, inflation: number, df: number): number {
  if (inflation <= 1 && df === Infinity) return confidence;
  const p = 1 - (1 - confidence) / 2;
  const crit = (df === Infinity ? normalQuantile(p) : studentTQuantile(p, df)) * Math.sqrt(inflation);
  return Math.min(1 - 1e-12, 2 * normalCdf(crit) - 1);
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
