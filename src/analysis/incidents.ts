/**
 * Transient vs persistent. An upgrade is a step change at a known time; a burst confined to a few minutes (a GC
 * storm, a noisy neighbour, an upstream blip) is an incident, not a regression of the window — yet one 3-minute
 * incident raises a two-hour window's p99.9 enough to fail it, and the same incident before the upgrade makes the
 * after window look "improved". So every subject's per-block series is scanned for short bursts (the burst scan
 * of src/stats/burst-scan.ts: robust to ordinary minute-to-minute variation, Bonferroni over every candidate run),
 * with the report-wide false-incident rate held at `settings.incidents.alpha` by splitting it evenly over all the
 * scans of the report. Blocks of a found incident are taken out of that window's comparison, so the findings
 * judge what persists; the incident itself is reported (a warning and `report.incidents`) and makes the report
 * `warn`. Bursts in both windows, or more than an incident makes, are the subject's regime ("bursty"): nothing is
 * taken out, and the clustered variance (design-effect.ts) carries it.
 */
import { burstScan, type Burst, type BurstScanResult } from '../stats/index.ts';
import { formatNumber, quantileLabel } from './format.ts';
import { minimumCountFor } from './tail-latency.ts';
import { poolable, pooledThreshold, type SampleView } from './sample-view.ts';
import { blockCountsAbove, blockTotals } from './time-blocks.ts';
import type { AnalysisSettings, Incident, LatencySeries, TimeRange, UpstreamSeries, UpstreamWindow } from './types.ts';

const WINDOWS = ['before', 'after'] as const;

export interface WindowGrid {
  before: TimeRange;
  after: TimeRange;
  blockMs: number;
  /**
   * Seasonal baseline: "before" is these reference ranges, `blocksPerReference` blocks each, in order; with a
   * variance history only the first `levelPeriods` are the baseline (the older ones are not scanned).
   */
  references?: { ranges: TimeRange[]; blocksPerReference: number; levelPeriods?: number };
}

/**
 * The part of window w's per-block series that is scanned: a variance history's older periods only measure the
 * period-to-period spread, and a burst there is not left out of any comparison nor reported.
 */
function scanned(grid: WindowGrid, w: number, series: Float64Array): Float64Array {
  const r = grid.references;
  if (w !== 0 || r?.levelPeriods === undefined) return series;
  return series.subarray(0, Math.min(series.length, r.levelPeriods * r.blocksPerReference));
}

/** Start time of block `block` of window w (a seasonal reference window's blocks run reference by reference). */
function blockStart(grid: WindowGrid, w: number, block: number): number {
  const r = grid.references;
  if (w === 0 && r) {
    const k = Math.min(r.ranges.length - 1, Math.floor(block / r.blocksPerReference));
    return r.ranges[k].start + (block - k * r.blocksPerReference) * grid.blockMs;
  }
  return grid[WINDOWS[w]].start + block * grid.blockMs;
}

export interface SubjectIncidents {
  incidents: Incident[];
  /** Blocks to leave out of each window's comparison. */
  drop: [Set<number>, Set<number>];
  /** Windows whose bursts were too many to be incidents. */
  bursty: [boolean, boolean];
}

/** How many scans the report will run (the Bonferroni split of the report-wide alpha). */
export function scanCount(latencySubjects: number, upstreamSubjects: number, settings: AnalysisSettings): number {
  return Math.max(1, 2 * (latencySubjects * settings.quantiles.length + upstreamSubjects * 2));
}

function longestRun(blockCount: number, settings: AnalysisSettings): number {
  return Math.max(1, Math.floor(settings.incidents.maxShare * blockCount));
}

function emptyResult(): SubjectIncidents {
  return { incidents: [], drop: [new Set(), new Set()], bursty: [false, false] };
}

/** Scans one endpoint's exceedances at every judged quantile's pooled split, in both windows. */
export function latencyIncidents(series: LatencySeries, views: { before: SampleView; after: SampleView }, settings: AnalysisSettings, grid: WindowGrid, scanAlpha: number): SubjectIncidents {
  const out = emptyResult();
  const { before, after } = views;
  if (!before.timed || !after.timed) return out;
  const pair = poolable(before, after);
  if (!pair) return out;
  for (const q of settings.quantiles) {
    const needed = minimumCountFor(q, settings.minTailCount);
    if (before.n < needed || after.n < needed) continue;
    const threshold = pooledThreshold(pair[0], pair[1], q);
    if (threshold === null || !Number.isFinite(threshold)) continue;
    const scans = pair.map((view, w) => {
      const all = blockCountsAbove(view, threshold, false);
      const totals = blockTotals(view);
      if (!all || !totals) return null;
      const events = scanned(grid, w, all);
      return burstScan(events, scanned(grid, w, totals), { maxRunLength: longestRun(events.length, settings), alpha: scanAlpha, variance: 'binomial', minRatio: settings.incidents.minRatio });
    });
    keep(out, scans, grid, { kind: 'tail_latency', service: series.service, subject: series.endpoint, statistic: quantileLabel(q), what: `requests above the pooled ${quantileLabel(q)}` });
  }
  // A bursty window keeps all its data: the bursts are its normal regime.
  out.bursty.forEach((b, w) => b && clearWindow(out, w));
  out.incidents = mergeIncidents(out.incidents);
  return out;
}

/** Scans one upstream's retries and exhausted calls per block, in both windows. */
export function upstreamIncidents(series: UpstreamSeries, settings: AnalysisSettings, grid: WindowGrid, scanAlpha: number): SubjectIncidents {
  const out = emptyResult();
  for (const [metric, variance] of [
    ['retries_per_call', 'poisson'],
    ['exhausted_rate', 'binomial'],
  ] as const) {
    const scans = [series.before, series.after].map((win, w) => {
      const blocks = win.perBlock;
      if (!blocks) return null;
      const events = scanned(grid, w, metric === 'retries_per_call' ? blocks.retries : blocks.exhausted);
      return burstScan(events, scanned(grid, w, blocks.calls), { maxRunLength: longestRun(events.length, settings), alpha: scanAlpha, variance, minRatio: settings.incidents.minRatio });
    });
    keep(out, scans, grid, { kind: 'retry_rate', service: series.service, subject: series.upstream, statistic: metric, what: metric === 'retries_per_call' ? 'retries per call' : 'calls exhausting their retries' });
  }
  out.bursty.forEach((b, w) => b && clearWindow(out, w));
  out.incidents = mergeIncidents(out.incidents);
  return out;
}

/**
 * One event seen at several splits (p90, p99, p99.9) or as touching runs is one incident: bursts of a subject in
 * the same window that overlap or touch are merged, naming the factor at each split ("p99 ×11, p99.9 ×61"); the
 * strongest split's figures stand for it.
 */
export function mergeIncidents(incidents: Incident[]): Incident[] {
  const sorted = [...incidents].sort((a, b) => a.window.localeCompare(b.window) || a.start.localeCompare(b.start));
  const groups: Incident[][] = [];
  for (const i of sorted) {
    const g = groups[groups.length - 1];
    const last = g?.[g.length - 1];
    if (g && last.window === i.window && last.kind === i.kind && i.start <= g.reduce((m, x) => (x.stop > m ? x.stop : m), last.stop)) g.push(i);
    else groups.push([i]);
  }
  return groups.map((g) => {
    if (g.length === 1) return g[0];
    const strongest = g.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const bySplit = new Map<string, number>();
    for (const i of g) bySplit.set(i.statistic, Math.max(bySplit.get(i.statistic) ?? 0, i.ratio));
    const factors = [...bySplit].map(([stat, ratio]) => `${stat} ×${formatNumber(ratio)}`).join(', ');
    const what = strongest.kind === 'tail_latency' ? 'requests above the pooled split' : strongest.statistic === 'exhausted_rate' ? 'calls exhausting their retries' : 'retries per call';
    return {
      ...strongest,
      start: g.reduce((m, x) => (x.start < m ? x.start : m), g[0].start),
      stop: g.reduce((m, x) => (x.stop > m ? x.stop : m), g[0].stop),
      description: `${what}: ${factors}`,
    };
  });
}

/**
 * An incident is a burst of one window. Bursts in both windows (or more than a few in one) are the subject's
 * regime — retries that come in bursts every day — and nothing is left out: the clustered variance carries them.
 */
function keep(out: SubjectIncidents, scans: Array<BurstScanResult | null>, grid: WindowGrid, about: Parameters<typeof record>[4]): void {
  const [b, a] = scans;
  const regime = (b?.more ?? false) || (a?.more ?? false) || ((b?.bursts.length ?? 0) > 0 && (a?.bursts.length ?? 0) > 0);
  if (regime) {
    out.bursty[0] = out.bursty[0] || (b?.bursts.length ?? 0) > 0 || (b?.more ?? false);
    out.bursty[1] = out.bursty[1] || (a?.bursts.length ?? 0) > 0 || (a?.more ?? false);
    return;
  }
  scans.forEach((scan, w) => scan?.bursts.forEach((burst) => record(out, w, burst, grid, about)));
}

function clearWindow(out: SubjectIncidents, w: number): void {
  out.drop[w].clear();
  const name = WINDOWS[w];
  out.incidents = out.incidents.filter((i) => i.window !== name);
}

function record(out: SubjectIncidents, w: number, b: Burst, grid: WindowGrid, about: { kind: Incident['kind']; service: string; subject: string; statistic: string; what: string }): void {
  const window = WINDOWS[w];
  const start = blockStart(grid, w, b.start);
  const stop = Math.min(grid[window].stop, blockStart(grid, w, b.stop - 1) + grid.blockMs);
  for (let i = b.start; i < b.stop; i++) out.drop[w].add(i);
  out.incidents.push({
    window,
    kind: about.kind,
    service: about.service,
    subject: about.subject,
    statistic: about.statistic,
    start: new Date(start).toISOString(),
    stop: new Date(stop).toISOString(),
    ratio: b.ratio,
    events: b.events,
    expected: b.expected,
    pValue: b.pValue,
    description: `${about.what} ×${formatNumber(b.ratio)} (${formatNumber(b.events)} where the rest of the window predicts ${formatNumber(b.expected)})`,
  });
}

/** The warning line of an incident, e.g. "incident in the after window 14:37–14:40: shop /checkout …". */
export function incidentWarning(i: Incident, blocksExcluded: boolean): string {
  const hhmm = (iso: string) => iso.slice(11, 16);
  const minutes = Math.round((Date.parse(i.stop) - Date.parse(i.start)) / 60_000);
  return (
    `incident in the ${i.window} window ${hhmm(i.start)}–${hhmm(i.stop)} UTC: ${i.service} ${i.subject} ${i.description}` +
    (blocksExcluded ? `; those ${minutes} minute${minutes === 1 ? '' : 's'} were left out of the comparison, which judges what persists` : '')
  );
}

/**
 * Warnings for the windows whose backoff waits could not follow upstreamWithoutBlocks: a histogram (the counters
 * form, one histogram per window) or raw waits without their time blocks. Their rates leave the incident's minutes
 * out while the backoff comparison keeps them, and a reader of the backoff finding must know which it is.
 */
export function backoffKeepsIncident(u: UpstreamSeries, drop: readonly [ReadonlySet<number>, ReadonlySet<number>]): string[] {
  const out: string[] = [];
  (['before', 'after'] as const).forEach((name, w) => {
    const b = u[name].backoff;
    const timed = b.kind === 'raw' && b.blocks !== undefined;
    const empty = b.kind === 'raw' ? b.values.length === 0 : b.counts.every((c) => c === 0);
    if (drop[w].size > 0 && u[name].perBlock && !timed && !empty) {
      out.push(
        `${u.service} ${u.upstream}: the ${name} window's backoff waits carry no time blocks (${b.kind === 'histogram' ? 'a histogram per window, from counters' : 'raw waits without blocks'}), ` +
          "so the incident's minutes stay in the backoff comparison; the retry and exhaustion rates leave them out",
      );
    }
  });
  return out;
}

/** The upstream window without the given blocks (totals, per-block sums and backoff waits recomputed). */
export function upstreamWithoutBlocks(win: UpstreamWindow, drop: ReadonlySet<number>): UpstreamWindow {
  if (drop.size === 0 || !win.perBlock) return win;
  const keep = (a: Float64Array) => Float64Array.from(a, (v, i) => (drop.has(i) ? 0 : v));
  const perBlock = { calls: keep(win.perBlock.calls), retries: keep(win.perBlock.retries), exhausted: keep(win.perBlock.exhausted) };
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const b = win.backoff;
  let backoff: UpstreamWindow['backoff'] = b;
  if (b.kind === 'raw' && b.blocks) {
    const kept: number[] = [];
    for (let i = 0; i < b.blocks.length; i++) if (!drop.has(b.blocks[i])) kept.push(i);
    backoff = { kind: 'raw', values: Float64Array.from(kept, (i) => b.values[i]), blocks: Uint32Array.from(kept, (i) => b.blocks![i]) };
  }
  return { calls: sum(perBlock.calls), retries: sum(perBlock.retries), exhausted: sum(perBlock.exhausted), backoff, perBlock };
}
