/**
 * When a regression began: the single change point (stats/single-change-point.ts) of the regressed metric's
 * per-time-block series over both windows — for tail latency the share of requests above the finding's pooled
 * quantile (the same split its Mood test used), for retries the retries per call (Poisson in calls), for exhausted
 * calls their share (binomial) — with a likelihood-ratio confidence set, and whether the upgrade lies in it. A
 * regression that began 40 minutes before the upgrade is not the upgrade's, however significant the before/after
 * comparison.
 * Time clustering: the counts of neighbouring blocks move together (load, GC, noisy neighbours), so the
 * log-likelihood is divided by the design effect of the residuals about the fitted two-rate model (their long-run
 * variance by the flat-top lag window with Politis' bandwidth over the binomial/Poisson variance; design-effect.ts
 * measures the windows the same way), which widens the set as much as the clustering warrants (quasi-likelihood).
 * Blocks of an incident left out of the comparison are left out here too (a burst is not an onset).
 */
import { flatTopBandwidth, longRunVariance, singleChangePoint } from '../stats/index.ts';
import { formatPercent } from './format.ts';
import type { WindowGrid } from './incidents.ts';
import type { SampleView } from './sample-view.ts';
import { blockCountsAbove, blockTotals } from './time-blocks.ts';
import type { Finding, Onset, UpstreamSeries } from './types.ts';

/** Blocks at least on each side of a change point. */
export const DEFAULT_MIN_SEGMENT_BLOCKS = 2;

/** Per-block events and trials over before then after, with each block's start time. */
export interface OnsetSeries {
  events: Float64Array;
  trials: Float64Array;
  starts: Float64Array;
  /** Index of the first after-window block (the upgrade's boundary). */
  upgradeIndex: number;
  family: 'binomial' | 'poisson';
  /** What the series counts, in words (onset.series). */
  label: string;
}

function blockStarts(grid: WindowGrid, nBefore: number, nAfter: number): Float64Array {
  const out = new Float64Array(nBefore + nAfter);
  for (let i = 0; i < nBefore; i++) out[i] = grid.before.start + i * grid.blockMs;
  for (let j = 0; j < nAfter; j++) out[nBefore + j] = grid.after.start + j * grid.blockMs;
  return out;
}

function concat(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(Array.from(a));
  out.set(Array.from(b), a.length);
  return out;
}

/** The share of requests above `threshold` per block, over both windows; null without blocks. */
export function latencyOnsetSeries(views: { before: SampleView; after: SampleView }, threshold: number, grid: WindowGrid, statistic: string): OnsetSeries | null {
  const tb = blockTotals(views.before);
  const ta = blockTotals(views.after);
  const eb = blockCountsAbove(views.before, threshold, false);
  const ea = blockCountsAbove(views.after, threshold, false);
  if (!tb || !ta || !eb || !ea) return null;
  return { events: concat(eb, ea), trials: concat(tb, ta), starts: blockStarts(grid, tb.length, ta.length), upgradeIndex: tb.length, family: 'binomial', label: `share of requests above the pooled ${statistic} per block` };
}

/** Retries per call (Poisson) or the share of exhausted calls (binomial) per block; null without per-block sums. */
export function upstreamOnsetSeries(u: UpstreamSeries, statistic: string, grid: WindowGrid): OnsetSeries | null {
  const b = u.before.perBlock;
  const a = u.after.perBlock;
  if (!b || !a) return null;
  const exhausted = statistic === 'exhausted_rate';
  return {
    events: concat(exhausted ? b.exhausted : b.retries, exhausted ? a.exhausted : a.retries),
    trials: concat(b.calls, a.calls),
    starts: blockStarts(grid, b.calls.length, a.calls.length),
    upgradeIndex: b.calls.length,
    family: exhausted ? 'binomial' : 'poisson',
    label: exhausted ? 'share of calls exhausted per block' : 'retries per call per block',
  };
}

/** Design effect of the residuals about the two-rate fit (≥ 1). */
function dispersionAbout(s: OnsetSeries, index: number, before: number, after: number): number {
  const residuals = Float64Array.from(s.events, (k, t) => k - (t < index ? before : after) * s.trials[t]);
  let independent = 0;
  for (let t = 0; t < residuals.length; t++) {
    const p = t < index ? before : after;
    independent += s.family === 'binomial' ? s.trials[t] * p * (1 - p) : s.trials[t] * p;
  }
  if (!(independent > 0) || residuals.length < 4) return 1;
  const bandwidth = Math.min(flatTopBandwidth([residuals]), residuals.length - 1);
  let lrv = longRunVariance(residuals, bandwidth);
  if (!Number.isFinite(lrv.varianceOfSumCorrected)) lrv = longRunVariance(residuals, 0);
  const d = lrv.varianceOfSumCorrected / independent;
  return Number.isFinite(d) && d > 1 ? d : 1;
}

/** The onset of a regression in `s`, or null when the series is too short or shows no change. */
export function onsetOf(s: OnsetSeries, options: { upgradeAt: number; blockMs: number; confidence: number }): Onset | null {
  const first = singleChangePoint(s.events, s.trials, { family: s.family, minSegment: DEFAULT_MIN_SEGMENT_BLOCKS, confidence: options.confidence });
  if (!first) return null;
  const dispersion = dispersionAbout(s, first.index, first.rateBefore, first.rateAfter);
  const cp = dispersion > 1 ? singleChangePoint(s.events, s.trials, { family: s.family, minSegment: DEFAULT_MIN_SEGMENT_BLOCKS, confidence: options.confidence, dispersion })! : first;
  const at = s.starts[cp.index];
  const [lo, hi] = [s.starts[cp.interval[0]], s.starts[cp.interval[1]]];
  // A change can fall anywhere inside a block: the upgrade is consistent with splits one block either side of it.
  const slack = options.blockMs;
  const relation: Onset['relation'] = options.upgradeAt < lo - slack ? 'after_upgrade' : options.upgradeAt > hi + slack ? 'before_upgrade' : 'upgrade';
  const onset: Omit<Onset, 'description'> = {
    at: iso(at),
    interval: [iso(lo), iso(hi)],
    confidence: options.confidence,
    offsetMs: at - options.upgradeAt,
    intervalOffsetMs: [lo - options.upgradeAt, hi - options.upgradeAt],
    relation,
    series: s.label,
    rateBefore: cp.rateBefore,
    rateAfter: cp.rateAfter,
    dispersion,
    method: `single change point by maximum ${s.family} likelihood over time blocks, ${formatPercent(options.confidence)} likelihood-ratio set (Hinkley 1970; Siegmund 1988)${dispersion > 1 ? `, scaled by the design effect ${dispersion.toFixed(2)} for time clustering` : ''}`,
  };
  return { ...onset, description: describeOnset(onset) };
}

function minutes(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  return `${m} min`;
}

function describeOnset(o: Omit<Onset, 'description'>): string {
  const pct = formatPercent(o.confidence);
  const [lo, hi] = o.intervalOffsetMs;
  const rel = (ms: number) => (Math.round(ms / 60_000) === 0 ? 'at the upgrade' : ms < 0 ? `${minutes(ms)} before` : `${minutes(ms)} after`);
  const range = `${pct} interval ${rel(lo)} to ${rel(hi)}`;
  if (o.relation === 'before_upgrade') return `began ${minutes(o.offsetMs)} before the upgrade (${range}): not the upgrade's`;
  if (o.relation === 'after_upgrade') return `began ${minutes(o.offsetMs)} after the upgrade (${range}): later than the upgrade — a delayed effect or another cause`;
  const when = Math.round(o.offsetMs / 60_000) === 0 ? 'at the upgrade' : `${rel(o.offsetMs)} the upgrade`;
  return `began ${when} (${range}): consistent with the upgrade`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The onset a page leads with: of the report's regressions with one, tail latency before retries, then the narrowest
 * interval (the best-located start). Null when no regression has an onset.
 */
export function leadingOnset(findings: Finding[]): { finding: Finding; onset: Onset } | null {
  const width = (o: Onset) => Date.parse(o.interval[1]) - Date.parse(o.interval[0]);
  const dated = findings.filter((f) => f.status === 'regression' && f.onset);
  const rank = (f: Finding) => (f.kind === 'tail_latency' ? 0 : 1);
  const best = dated.sort((a, b) => rank(a) - rank(b) || width(a.onset!) - width(b.onset!))[0];
  return best ? { finding: best, onset: best.onset! } : null;
}
