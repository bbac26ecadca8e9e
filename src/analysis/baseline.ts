/**
 * What the "before" side of an analysis is (issue 11) and what the report says about it:
 * - `before`: the window before the upgrade;
 * - `seasonal`: the after window's clock window on K earlier periods. The K periods are K clusters: every
 *   comparison measures the variance of the reference side between periods (design-effect.ts clusterDesign, CR1
 *   with a t(K − 1) reference), so the day-to-day variation is in every test and interval. Reference periods with
 *   no data are reported `missing`; one whose p50 or p99 differs from the other periods beyond the tail tolerance
 *   (Mood's test, Bonferroni over the checks) is reported `anomalous` — still used: it widens the variance, it is
 *   not silently dropped. Fewer than two periods with data: nothing can be judged.
 * - `cohort`: flag-off ("before") and flag-on ("after") requests of the same window; the report names the tag,
 *   the control value and the treatment values seen.
 */
import type { Candidate } from './candidate.ts';
import { formatChange, formatNumber } from './format.ts';
import { exceedanceTest, minimumCountFor } from './tail-latency.ts';
import { withoutBlocks } from './time-blocks.ts';
import type { AnalysisSettings, MetricWindows, ReportBaseline, SampleSet, SeasonalLayout, TimeRange, UpstreamWindow } from './types.ts';
import { viewOf, type SampleView, type SortedRawView } from './sample-view.ts';
import { sortFloat64 } from '../stats/index.ts';

/** How the before-side views are cut: block count, and blocks per cluster for a seasonal baseline. */
export interface ReferenceBlocks {
  beforeBlocks: number | undefined;
  afterBlocks: number | undefined;
  clusterSize: number | undefined;
  /** Seasonal with a variance history: the baseline periods' blocks [0, levelBlocks) (design-effect.ts ReferencePeriods). */
  levelBlocks?: number;
}

export function referenceBlocks(windows: MetricWindows): ReferenceBlocks {
  const blocks = (w: TimeRange) => (windows.blockMs ? Math.max(1, Math.ceil((w.stop - w.start) / windows.blockMs)) : undefined);
  const afterBlocks = blocks(windows.after);
  const b = windows.baseline;
  if (b?.kind === 'seasonal' && windows.blockMs) {
    const history = b.levelPeriods !== undefined && b.levelPeriods < b.references.length;
    return { beforeBlocks: b.blocksPerReference * b.references.length, afterBlocks, clusterSize: b.blocksPerReference, ...(history ? { levelBlocks: b.blocksPerReference * b.levelPeriods! } : {}) };
  }
  return { beforeBlocks: blocks(windows.before), afterBlocks, clusterSize: undefined };
}

/**
 * An upstream's reference side with a variance history: the totals (calls, retries, exhausted) of the baseline
 * periods, the per-block series of every period (they measure the period-to-period spread). The backoff waits stay
 * whole: their view keeps only the baseline's (sample-view.ts viewOf).
 */
export function baselineUpstreamWindow(win: UpstreamWindow, levelBlocks: number | undefined): UpstreamWindow {
  const pb = win.perBlock;
  if (levelBlocks === undefined || !pb || levelBlocks >= pb.calls.length) return win;
  const sum = (a: Float64Array) => {
    let s = 0;
    for (let i = 0; i < levelBlocks; i++) s += a[i];
    return s;
  };
  return { ...win, calls: sum(pb.calls), retries: sum(pb.retries), exhausted: sum(pb.exhausted) };
}

/** A check of one reference period against the others is "anomalous" below this (Bonferroni-split) level. */
export const DEFAULT_ANOMALY_ALPHA = 0.001;
const ANOMALY_QUANTILES = [0.5, 0.99];

export interface SeasonalCheck {
  report: ReportBaseline & { kind: 'seasonal' };
  warnings: string[];
  /** Set when fewer than two reference periods hold data: every comparison is insufficient. */
  insufficient?: string;
}

/** Missing and anomalous reference periods of a seasonal baseline, and its report entry. */
export function checkSeasonal(windows: MetricWindows, layout: SeasonalLayout, settings: AnalysisSettings, periodLabel: string): SeasonalCheck {
  const K = layout.references.length;
  const b = layout.blocksPerReference;
  const requests = new Array<number>(K).fill(0);
  const calls = new Array<number>(K).fill(0);
  for (const s of windows.latency) addPerReference(requests, s.before, b);
  for (const u of windows.upstreams) {
    const pb = u.before.perBlock?.calls;
    if (pb) for (let i = 0; i < pb.length; i++) calls[Math.min(K - 1, Math.floor(i / b))] += pb[i];
  }
  const missing = requests.map((r, k) => r === 0 && calls[k] === 0);
  const anomalous = new Array<string | null>(K).fill(null);
  const present = missing.filter((m) => !m).length;
  if (present >= 3) {
    const checks: Array<{ k: number; what: string; p: number }> = [];
    const blocksOf = (k: number) => new Set(Array.from({ length: b }, (_, i) => k * b + i));
    for (const s of windows.latency) {
      const all = viewOf(s.before, b * K); // no clusters: one period is compared with the rest as a window
      const split = all.kind === 'raw' && all.timed ? rawPeriodSplit(all, b, K) : null;
      for (let k = 0; k < K; k++) {
        if (missing[k]) continue;
        let day: SampleView;
        let rest: SampleView;
        if (split) ({ day, rest } = split(k));
        else {
          const own = blocksOf(k);
          const others = new Set<number>();
          for (let j = 0; j < K; j++) if (j !== k) for (const x of blocksOf(j)) others.add(x);
          day = withoutBlocks(all, others);
          rest = withoutBlocks(all, own);
        }
        for (const q of ANOMALY_QUANTILES) {
          const needed = minimumCountFor(q, settings.minTailCount);
          if (day.n < needed || rest.n < needed) continue;
          const change = relativeQuantileChange(rest, day, q);
          const t = exceedanceTest(rest, day, q);
          if (!t || change === null) continue;
          checks.push({ k, what: `${s.service} ${s.endpoint} p${formatNumber(q * 100)} ${formatChange(change)} vs the other periods`, p: Math.abs(change) > settings.tolerance.tail.relative ? t.pValue : 1 });
        }
      }
    }
    const alpha = DEFAULT_ANOMALY_ALPHA / Math.max(1, checks.length);
    for (const c of checks) if (c.p < alpha && anomalous[c.k] === null) anomalous[c.k] = c.what;
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const warnings: string[] = [];
  // With a variance history (layout.levelPeriods) the first L periods are the baseline, every period measures the
  // period-to-period variation.
  const L = layout.levelPeriods !== undefined && layout.levelPeriods < K ? layout.levelPeriods : K;
  const usedLevel = missing.slice(0, L).filter((m) => !m).length;
  // Variance periods without data are one warning (a history longer than the source keeps is common), naming them.
  const noHistory: number[] = [];
  layout.references.forEach((r, k) => {
    const when = `${iso(r.start)}–${iso(r.stop)}`;
    if (missing[k] && k < L) warnings.push(`seasonal baseline: reference period ${k + 1} (${when}) has no data; ${usedLevel} of ${L} periods used`);
    else if (missing[k]) noHistory.push(k);
    else if (anomalous[k]) warnings.push(`seasonal baseline: ${k < L ? 'reference' : 'variance'} period ${k + 1} (${when}) is itself anomalous (${anomalous[k]}); it is kept and widens the uncertainty, but check it`);
  });
  if (noHistory.length > 0) {
    const starts = noHistory.map((k) => `${k + 1} (${iso(layout.references[k].start)})`);
    const listed = starts.length > 4 ? `${starts.slice(0, 3).join(', ')}, … ${starts[starts.length - 1]}` : starts.join(', ');
    warnings.push(
      `seasonal baseline: ${noHistory.length} of the ${K - L} older variance periods have no data (${listed}); the period-to-period variation is measured over ${present} of ${K} periods`,
    );
  }
  const report: SeasonalCheck['report'] = {
    kind: 'seasonal',
    period: periodLabel,
    periods: L,
    references: layout.references.map((r, k) => ({
      start: iso(r.start),
      stop: iso(r.stop),
      requests: requests[k],
      calls: calls[k],
      status: missing[k] ? 'missing' : anomalous[k] ? 'anomalous' : 'used',
      ...(k >= L ? { role: 'variance' as const } : {}),
    })),
    used: usedLevel,
    ...(L < K ? { variancePeriods: K, varianceUsed: present } : {}),
  };
  const insufficient =
    usedLevel === 0
      ? `a seasonal baseline needs data in at least one of its ${L} reference periods; none had any`
      : present < 2
        ? `a seasonal baseline needs data in at least 2 reference periods to measure the period-to-period variation; ${present} of ${K} had any`
        : undefined;
  return { report, warnings, ...(insufficient ? { insufficient } : {}) };
}

/**
 * One period's raw view and the other periods', for every period, as withoutBlocks would give them (the same sorted
 * values; values and blocks in input order) but from one sort per period: withoutBlocks sorts the whole window
 * twice per period, which with a 14-period variance history was most of the analysis. The others' sorted values
 * are the whole window's sorted values without the period's (a walk over both: equal values are interchangeable).
 */
export function rawPeriodSplit(all: SortedRawView, size: number, K: number): (k: number) => { day: SampleView; rest: SampleView } {
  const { values, blocks, blockCount } = all.timed!;
  const period = new Uint16Array(blocks.length);
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < blocks.length; i++) counts[(period[i] = Math.min(K - 1, Math.floor(blocks[i] / size)))]++;
  return (k) => {
    const own = { values: new Float64Array(counts[k]), blocks: new Uint32Array(counts[k]) };
    const n = values.length - counts[k];
    const restValues = new Float64Array(n);
    const restBlocks = new Uint32Array(n);
    for (let i = 0, d = 0, r = 0; i < blocks.length; i++) {
      if (period[i] === k) {
        own.values[d] = values[i];
        own.blocks[d++] = blocks[i];
      } else {
        restValues[r] = values[i];
        restBlocks[r++] = blocks[i];
      }
    }
    const daySorted = sortFloat64(own.values);
    const restSorted = new Float64Array(n);
    for (let i = 0, j = 0, r = 0; i < all.sorted.length; i++) {
      if (j < daySorted.length && all.sorted[i] === daySorted[j]) j++;
      else restSorted[r++] = all.sorted[i];
    }
    return {
      day: { kind: 'raw', n: counts[k], sorted: daySorted, timed: { blockCount, values: own.values, blocks: own.blocks } },
      rest: { kind: 'raw', n, sorted: restSorted, timed: { blockCount, values: restValues, blocks: restBlocks } },
    };
  };
}

function addPerReference(out: number[], set: SampleSet, blocksPerReference: number): void {
  const K = out.length;
  const at = (block: number) => Math.min(K - 1, Math.floor(block / blocksPerReference));
  if (set.kind === 'raw') {
    if (set.blocks) for (let i = 0; i < set.blocks.length; i++) out[at(set.blocks[i])]++;
    return;
  }
  const c = set.blockCells;
  if (c) for (let i = 0; i < c.block.length; i++) out[at(c.block[i])] += c.count[i];
}

function relativeQuantileChange(reference: SampleView, other: SampleView, q: number): number | null {
  const at = (v: SampleView) => {
    if (v.kind === 'raw') return v.sorted[Math.min(v.n - 1, Math.floor(q * v.n))];
    let cum = 0;
    for (let i = 0; i < v.counts.length; i++) if ((cum += v.counts[i]) >= q * v.n) return v.upperBounds[i];
    return null;
  };
  const a = at(reference);
  const b = at(other);
  return a !== null && b !== null && a > 0 ? b / a - 1 : null;
}

/** The report entry of a cohort baseline. */
export function cohortReport(windows: MetricWindows): ReportBaseline | undefined {
  const b = windows.baseline;
  if (b?.kind !== 'cohort') return undefined;
  let control = 0;
  let treatment = 0;
  const size = (s: SampleSet) => (s.kind === 'raw' ? s.values.length : s.counts.reduce((x, y) => x + y, 0));
  for (const s of windows.latency) {
    control += size(s.before);
    treatment += size(s.after);
  }
  for (const u of windows.upstreams) {
    control += u.before.calls;
    treatment += u.after.calls;
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  return { kind: 'cohort', tag: b.tag, control: b.control, treatments: b.treatments, window: { start: iso(windows.after.start), stop: iso(windows.after.stop) }, controlPoints: control, treatmentPoints: treatment, untagged: b.untagged };
}

/** Every comparison becomes insufficient_data with `reason` (a baseline that cannot carry a verdict). */
export function allInsufficient(candidates: Candidate[], reason: string): Candidate[] {
  return candidates.map((c) => ({ ...c, insufficient: reason }));
}
