/**
 * Tail-latency findings: one per endpoint and quantile (p50 … p99.9).
 *
 * Why not Mann-Whitney: a rank test on the whole distribution barely notices when only the slowest 3 % get
 * slower. The test here is Mood's generalized median test at the quantile being judged: split the pooled
 * sample at its q-quantile and compare the share of each window above that point (2×2 table; Fisher's exact
 * test when an expected cell count is below 5, else the pooled two-proportion z-test, which equals Pearson's
 * chi-square). Under "no change" the pooled sample is exchangeable, so the conditional test is exact
 * (Fisher) or asymptotically exact (z) whatever the latency distribution, ties included; and it puts all its
 * power where the quantile moved. Estimates and their intervals are distribution-free order statistics
 * (or bucket-interpolated for histograms, with the bucket resolution stated); the interval of the relative
 * change combines the two intervals by MOVER (ratio-interval.ts).
 */
import { fisherExact, memoIn, raoScottTwoProportionTest, twoProportionTest } from '../stats/index.ts';
import type { Candidate } from './candidate.ts';
import { designEffects, INDEPENDENT, jointDf, type DesignEstimate } from './design-effect.ts';
import { formatNumber, quantileLabel } from './format.ts';
import { ScratchArrays } from './scratch-arrays.ts';
import { bucketBoundedChangeInterval, relativeChange, relativeChangeInterval } from './ratio-interval.ts';
import { countAbove, countAtOrAbove, poolable, pooledThreshold, quantileEstimateOf, quantileOf, type SampleView } from './sample-view.ts';
import { blockCountsAbove, blockCountsAtOrBelow, blockTotals, occupiedBlocks, periodsOf } from './time-blocks.ts';
import type { AnalysisSettings, LatencySeries } from './types.ts';

/** The per-block event counts of the two windows while their design effects are measured (slots 0 and 1; kept by nothing). */
const SCRATCH = new ScratchArrays();

/** Below this expected count in any cell of the 2×2 table the normal approximation is not trusted. */
export const DEFAULT_MIN_EXPECTED_CELL = 5;

export interface ExceedanceResult {
  threshold: number;
  aboveBefore: number;
  aboveAfter: number;
  pValue: number;
  method: 'fisher-exact' | 'two-proportion-z' | 'rao-scott fisher-exact' | 'rao-scott t';
  /** How much time clustering inflated each window's variance (1 = none measured). */
  design: DesignEstimate;
  /** Degrees of freedom of the reference t (Infinity for the normal or an exact test). */
  df: number;
}

/** Mood's generalized median test at quantile q; null when the samples cannot be pooled. */
export function exceedanceTest(beforeView: SampleView, afterView: SampleView, q: number): ExceedanceResult | null {
  const pair = poolable(beforeView, afterView);
  if (pair === null) return null;
  const [before, after] = pair;
  const threshold = pooledThreshold(before, after, q);
  if (threshold === null || !Number.isFinite(threshold)) return null;
  let aboveBefore = countAbove(before, threshold);
  let aboveAfter = countAbove(after, threshold);
  const n1 = before.n;
  const n2 = after.n;
  const total = n1 + n2;
  // Ties at the threshold (integer milliseconds, histogram buckets): "share above t" can miss the tie group
  // entirely, e.g. when t is the largest value it is 0 on both sides and the test has no power although the
  // quantile moved. Counting the tie group in ("≥ t") is then the other way to split. Choosing the split whose
  // pooled share is closer to 1 − q uses the pooled sample only, so the test stays exact under exchangeability.
  // A tie group of one value (continuous data) keeps the strict split.
  const atOrBefore = countAtOrAbove(before, threshold);
  const atOrAfter = countAtOrAbove(after, threshold);
  const tieGroup = atOrBefore + atOrAfter - aboveBefore - aboveAfter;
  const target = (1 - q) * total;
  if (tieGroup > 1 && Math.abs(atOrBefore + atOrAfter - target) < Math.abs(aboveBefore + aboveAfter - target)) {
    aboveBefore = atOrBefore;
    aboveAfter = atOrAfter;
  }
  // Requests cluster in time: measure how much from the per-block exceedance counts at this split (Rao–Scott).
  const orEqual = aboveBefore !== countAbove(before, threshold) || aboveAfter !== countAbove(after, threshold);
  const series = (v: SampleView, slot: number) => {
    const events = blockCountsAbove(v, threshold, orEqual, (length) => SCRATCH.zeros(slot, length));
    const trials = blockTotals(v);
    const occupied = occupiedBlocks(v);
    return events && trials && occupied ? { events, trials, occupied, ...periodsOf(v) } : null;
  };
  const above = aboveBefore + aboveAfter;
  const design = designEffects(series(before, 0), series(after, 1), above / total, 'binomial');
  const d1 = design.before.designEffect;
  const d2 = design.after.designEffect;
  // A seasonal baseline's variance is always an estimate (from G periods), even when it came out binomial.
  const clustered = d1 > 1 || d2 > 1 || design.jointDf !== undefined;
  // Effective counts (counts ÷ design effect): with no clustering these are the counts themselves.
  const e1 = n1 / d1;
  const e2 = n2 / d2;
  const pooledShare = (aboveBefore / d1 + aboveAfter / d2) / (e1 + e2);
  const minExpected = Math.min(e1, e2) * Math.min(pooledShare, 1 - pooledShare);
  if (minExpected < DEFAULT_MIN_EXPECTED_CELL) {
    if (!clustered) {
      const r = fisherExact(aboveAfter, n2, aboveBefore, n1, { alternative: 'two-sided' });
      return { threshold, aboveBefore, aboveAfter, pValue: r.pValue, method: 'fisher-exact', design, df: Infinity };
    }
    const k1 = Math.round(aboveBefore / d1);
    const k2 = Math.round(aboveAfter / d2);
    const r = fisherExact(k2, Math.max(k2, Math.round(e2)), k1, Math.max(k1, Math.round(e1)), { alternative: 'two-sided' });
    return { threshold, aboveBefore, aboveAfter, pValue: r.pValue, method: 'rao-scott fisher-exact', design, df: Infinity };
  }
  if (!clustered) {
    const r = twoProportionTest(aboveAfter, n2, aboveBefore, n1, { alternative: 'two-sided' });
    return { threshold, aboveBefore, aboveAfter, pValue: r.pValue, method: 'two-proportion-z', design, df: Infinity };
  }
  const r = raoScottTwoProportionTest({ k: aboveAfter, n: n2, ...design.after }, { k: aboveBefore, n: n1, ...design.before }, { alternative: 'two-sided', ...jointDf(design) });
  return { threshold, aboveBefore, aboveAfter, pValue: r.pValue, method: 'rao-scott t', design, df: r.df };
}

/**
 * Design effects of the share at or below each window's own q-quantile estimate (Woodruff's indicator), for the
 * quantile intervals; independent when the views carry no blocks.
 */
export function quantileDesigns(before: SampleView, after: SampleView, q: number, confidence: number): DesignEstimate {
  const eb = quantileEstimateOf(before, q, confidence);
  const ea = quantileEstimateOf(after, q, confidence);
  if (eb === null || ea === null) return { before: INDEPENDENT, after: INDEPENDENT, bandwidth: null };
  const series = (v: SampleView, at: number, slot: number) => {
    const events = blockCountsAtOrBelow(v, at, (length) => SCRATCH.zeros(slot, length));
    const trials = blockTotals(v);
    const occupied = occupiedBlocks(v);
    return events && trials && occupied ? { events, trials, occupied, ...periodsOf(v) } : null;
  };
  return designEffects(series(before, eb, 0), series(after, ea, 1), q, 'binomial');
}

export function minimumCountFor(q: number, minTailCount: number): number {
  return Math.ceil(minTailCount / (1 - q) - 1e-9);
}

export function tailLatencyCandidates(
  series: LatencySeries,
  views: { before: SampleView; after: SampleView },
  settings: AnalysisSettings,
): Candidate[] {
  const { before, after } = views;
  return settings.quantiles.map((q): Candidate => {
    const { statistic, label } = quantileNames(q);
    const designs = quantileDesigns(before, after, q, settings.confidence);
    const eb = quantileOf(before, q, settings.confidence, designs.before);
    const ea = quantileOf(after, q, settings.confidence, designs.after);
    const estimateBefore = eb?.estimate ?? null;
    const estimateAfter = ea?.estimate ?? null;
    const measured: Measured = {
      series,
      statistic,
      before: estimateBefore,
      after: estimateAfter,
      beforeCi: eb ? ([eb.lower, eb.upper] as [number, number]) : null,
      afterCi: ea ? ([ea.lower, ea.upper] as [number, number]) : null,
      nBefore: before.n,
      nAfter: after.n,
      resolution: maxOrNull(eb?.resolution ?? null, ea?.resolution ?? null),
      relativeChange: relativeChange(estimateBefore, estimateAfter),
      absoluteChange: estimateBefore !== null && estimateAfter !== null ? estimateAfter - estimateBefore : null,
    };
    const bucketRanges = eb && ea && (eb.bucket || ea.bucket) ? { before: eb.bucket ?? ([eb.estimate, eb.estimate] as [number, number]), after: ea.bucket ?? ([ea.estimate, ea.estimate] as [number, number]) } : undefined;
    const needed = minimumCountFor(q, settings.minTailCount);
    if (before.n < needed || after.n < needed) {
      return {
        finding: latencyFinding(measured, null, 'none', null),
        direction: 0,
        tolerance: settings.tolerance.tail,
        label,
        insufficient: tooFewText(statistic, needed, before.n, after.n),
      };
    }
    const test = exceedanceTest(before, after, q);
    const ci = eb && ea ? (bucketRanges ? bucketBoundedChangeInterval(eb, ea) : relativeChangeInterval(eb, ea)) : null;
    if (!test) {
      // Without a test nothing can be claimed; "no significant change" here let a doubled latency pass.
      return {
        finding: latencyFinding(measured, ci, 'none (histograms on bucket layouts without a shared edge)', null),
        direction: 0,
        tolerance: settings.tolerance.tail,
        label,
        insufficient: `${statistic}: the two windows' histogram buckets share no edge, so they cannot be compared`,
      };
    }
    const shareBefore = test.aboveBefore / before.n;
    const shareAfter = test.aboveAfter / after.n;
    const direction: -1 | 0 | 1 = shareAfter > shareBefore ? 1 : shareAfter < shareBefore ? -1 : 0;
    return {
      finding: latencyFinding(
        measured,
        ci,
        `mood-quantile-test (${test.method}${test.df !== Infinity ? `, ${formatNumber(test.df)} df` : ''}) at pooled ${statistic}`,
        test.pValue,
        designDetails(test, shareBefore, shareAfter, designs),
        intervalMethod(before, after, designs),
      ),
      direction,
      tolerance: settings.tolerance.tail,
      label,
      ...(bucketRanges ? { bucketRanges } : {}),
    };
  });
}

/** What a tail-latency finding measured before any test: the fields every one of them has. */
interface Measured {
  series: LatencySeries;
  statistic: string;
  before: number | null;
  after: number | null;
  beforeCi: [number, number] | null;
  afterCi: [number, number] | null;
  nBefore: number;
  nAfter: number;
  resolution: number | null;
  relativeChange: number | null;
  absoluteChange: number | null;
}

/**
 * A tail-latency finding as ONE object literal, no spread, with the fields decide.ts fills in (qValue, status,
 * reason) as placeholders at the end: assigning them later then keeps the object's shape. A finding spread from a
 * base object and then given three more fields got a hidden class of its own — 80 000 of them at 16 000
 * endpoints, a third of the heap (issue 12) — where objects from one literal share one. The report's key order is
 * the same as before; `details` and `interval` are left undefined on a finding without a test, which
 * JSON.stringify leaves out as it left out the absent fields.
 */
function latencyFinding(m: Measured, ci: [number, number] | null, test: string, pValue: number | null, details?: Record<string, number | null>, interval?: string): Candidate['finding'] {
  return {
    kind: 'tail_latency',
    service: m.series.service,
    subject: m.series.endpoint,
    statistic: m.statistic,
    unit: 'ms',
    before: m.before,
    after: m.after,
    beforeCi: m.beforeCi,
    afterCi: m.afterCi,
    nBefore: m.nBefore,
    nAfter: m.nAfter,
    resolution: m.resolution,
    relativeChange: m.relativeChange,
    absoluteChange: m.absoluteChange,
    ci,
    test,
    pValue,
    details,
    interval,
    qValue: null,
    status: 'insufficient_data',
    reason: '',
  };
}

/** The statistic's name and its plain-word label per quantile, made once per quantile rather than per finding. */
const NAMES = new Map<number, { statistic: string; label: string }>();
const NAMES_LIMIT = 1_000;

function quantileNames(q: number): { statistic: string; label: string } {
  return memoIn(NAMES, q, NAMES_LIMIT, () => {
    const statistic = quantileLabel(q);
    return { statistic, label: `${statistic} latency` };
  });
}

/**
 * "p99 needs at least 1,000 requests …": the same few texts for most endpoints of a large report (the same
 * request counts), so each is made once and shared by the findings (issue 12). Bounded, in case every endpoint
 * has counts of its own.
 */
const TOO_FEW = new Map<string, string>();
const TOO_FEW_LIMIT = 10_000;

function tooFewText(statistic: string, needed: number, nBefore: number, nAfter: number): string {
  return memoIn(
    TOO_FEW,
    `${statistic} ${needed} ${nBefore} ${nAfter}`,
    TOO_FEW_LIMIT,
    () => `${statistic} needs at least ${formatNumber(needed)} requests in each window; had ${formatNumber(nBefore)} before and ${formatNumber(nAfter)} after`,
  );
}

/** The test's threshold and shares and the clustering measured, for readers who check the verdict (finding.details; additive fields). One literal, as the finding. */
function designDetails(test: ExceedanceResult, shareBefore: number, shareAfter: number, quantile: DesignEstimate): Record<string, number | null> {
  return {
    threshold: test.threshold,
    shareAboveBefore: shareBefore,
    shareAboveAfter: shareAfter,
    designEffectBefore: test.design.before.designEffect,
    designEffectAfter: test.design.after.designEffect,
    blockBandwidth: test.design.bandwidth,
    ciDesignEffectBefore: quantile.before.designEffect,
    ciDesignEffectAfter: quantile.after.designEffect,
  };
}

/** Which method produced the interval of the change, in words (finding.interval). */
function intervalMethod(before: SampleView, after: SampleView, designs: DesignEstimate): string {
  const histogram = before.kind === 'histogram' || after.kind === 'histogram';
  const clustered = designs.before.designEffect > 1 || designs.after.designEffect > 1;
  const how = histogram
    ? 'ratio of the extreme placements of the per-window order-statistic intervals, whose bounds are bucket edges'
    : 'MOVER ratio of per-window distribution-free order statistics';
  return `${how}${clustered ? `, widened by Woodruff's method for time clustering (design effect ${formatNumber(designs.before.designEffect)} before, ${formatNumber(designs.after.designEffect)} after)` : ''}`;
}

function maxOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
