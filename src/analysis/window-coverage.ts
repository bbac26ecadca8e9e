/**
 * Which part of each window holds data (issue 14): a gate run 30 minutes after the upgrade with a 2 h after window,
 * or a file that ends early, must not be judged as if both windows were complete.
 *
 * Measured over the time blocks the clustered inference already uses (`MetricWindows.blockMs`): a block has data
 * when any series of the report has an observation (a request, a histogram count, an upstream call) in it. The
 * first and last data times are therefore block edges.
 *
 * The rule for "partly empty" is general, not a fixed share: a run of empty blocks (at the start, inside or at the
 * end of a window) counts as missing data when it is
 *   1. longer than one block (a quiet minute at a boundary is not missing data),
 *   2. longer than `gaps.maxShare` of the window (default 5 %), and
 *   3. improbable at the window's own rate: with λ observations per block while data flows, k blocks in a row stay
 *      empty by chance with probability e^(−λk) under steady traffic; the run counts when that is below
 *      `gaps.alpha` (default 0.001). Sparse telemetry (a request every few minutes) thus needs a longer run.
 * A window with no data at all (while the other has some) is empty, and counts too.
 */
import { formatPercent, formatSpan } from './format.ts';
import type { AnalysisSettings, MetricWindows, Report, TimeRange, WindowCoverage } from './types.ts';

export const DEFAULT_GAP_SETTINGS = { maxShare: 0.05, alpha: 0.001 };
/** Gaps listed per window in the report (the longest); `missingMs` counts them all. */
export const MAX_REPORTED_GAPS = 10;

/** Observations per time block of each window, summed over every series that carries blocks; null when none does. */
export function eventsPerBlock(windows: MetricWindows): [Float64Array, Float64Array] | null {
  const blockMs = windows.blockMs;
  if (!blockMs) return null;
  const counts = [windows.before, windows.after].map((w) => new Float64Array(blockCountOf(w, blockMs))) as [Float64Array, Float64Array];
  let timed = false;
  const add = (out: Float64Array, block: number, n: number) => {
    if (block < out.length) out[block] += n;
  };
  for (const s of windows.latency) {
    for (const [k, set] of [s.before, s.after].entries()) {
      if (set.kind === 'raw' && set.blocks) {
        timed = true;
        for (let i = 0; i < set.blocks.length; i++) add(counts[k], set.blocks[i], 1);
      } else if (set.kind === 'histogram' && set.blockCells) {
        timed = true;
        const c = set.blockCells;
        for (let i = 0; i < c.block.length; i++) add(counts[k], c.block[i], c.count[i]);
      }
    }
  }
  for (const u of windows.upstreams) {
    for (const [k, w] of [u.before, u.after].entries()) {
      if (!w.perBlock) continue;
      timed = true;
      for (let b = 0; b < w.perBlock.calls.length; b++) add(counts[k], b, w.perBlock.calls[b]);
    }
  }
  return timed ? counts : null;
}

function blockCountOf(w: TimeRange, blockMs: number): number {
  return Math.max(1, Math.ceil((w.stop - w.start) / blockMs));
}

/** Coverage of one window from its per-block counts; `otherHasData` makes a window without any data count as empty. */
export function coverageOfWindow(range: TimeRange, blockMs: number, counts: Float64Array, settings: Pick<AnalysisSettings, 'gaps'>, otherHasData: boolean): WindowCoverage {
  const gapRule = settings.gaps ?? DEFAULT_GAP_SETTINGS;
  const length = range.stop - range.start;
  const edge = (b: number) => Math.min(range.stop, range.start + b * blockMs);
  let total = 0;
  let withData = 0;
  let first = -1;
  let last = -1;
  for (let b = 0; b < counts.length; b++) {
    if (counts[b] <= 0) continue;
    total += counts[b];
    withData++;
    if (first < 0) first = b;
    last = b;
  }
  const runs: Array<{ from: number; to: number }> = [];
  for (let b = 0; b < counts.length; ) {
    if (counts[b] > 0) {
      b++;
      continue;
    }
    const from = b;
    while (b < counts.length && counts[b] <= 0) b++;
    runs.push({ from, to: b });
  }
  // Observations per block while data flows: the rate a steady source would keep up in the empty blocks.
  const rate = withData > 0 ? total / withData : 0;
  const missing = runs
    .map((r) => ({ start: edge(r.from), stop: edge(r.to) }))
    .filter((g) => {
      const ms = g.stop - g.start;
      if (withData === 0) return otherHasData;
      return ms > blockMs && ms > gapRule.maxShare * length && Math.exp((-rate * ms) / blockMs) < gapRule.alpha;
    });
  const missingMs = missing.reduce((sum, g) => sum + (g.stop - g.start), 0);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    start: iso(range.start),
    stop: iso(range.stop),
    blockMs,
    blocks: counts.length,
    blocksWithData: withData,
    share: counts.length > 0 ? withData / counts.length : 0,
    firstData: first >= 0 ? iso(edge(first)) : null,
    lastData: last >= 0 ? iso(edge(last + 1)) : null,
    leadingGapMs: first >= 0 ? edge(first) - range.start : length,
    trailingGapMs: last >= 0 ? range.stop - edge(last + 1) : length,
    gaps: [...missing]
      .sort((a, b) => b.stop - b.start - (a.stop - a.start) || a.start - b.start)
      .slice(0, MAX_REPORTED_GAPS)
      .map((g) => ({ start: iso(g.start), stop: iso(g.stop), ms: g.stop - g.start })),
    missingMs,
    missingShare: length > 0 ? missingMs / length : 0,
    partlyEmpty: missing.length > 0,
  };
}

/**
 * The windows the caller asked for when they were cut to the part that had elapsed (runtime/run-analysis.ts): the
 * coverage then says what was asked and how much of it lay in the future.
 */
export interface AskedWindows {
  before: TimeRange;
  after: TimeRange;
}

/** Coverage of both windows (null when the source recorded no time blocks). */
export function windowCoverage(windows: MetricWindows, settings: Pick<AnalysisSettings, 'gaps'>, asked?: AskedWindows): Report['windowCoverage'] | null {
  const counts = eventsPerBlock(windows);
  if (!counts || !windows.blockMs) return null;
  const has = counts.map((c) => c.some((x) => x > 0));
  const after = coverageOfWindow(windows.after, windows.blockMs, counts[1], settings, has[0]);
  // A seasonal "before" is K reference periods numbered block after block, not one range: no span of its own.
  const before = windows.baseline?.kind === 'seasonal' ? undefined : coverageOfWindow(windows.before, windows.blockMs, counts[0], settings, has[1]);
  const out: NonNullable<Report['windowCoverage']> = before ? { before, after } : { after };
  for (const w of ['before', 'after'] as const) {
    const a = asked?.[w];
    const c = out[w];
    if (a && c && a.stop > windows[w].stop) {
      c.requestedStop = new Date(a.stop).toISOString();
      c.notElapsedMs = a.stop - windows[w].stop;
    }
  }
  return out;
}

/** Windows that are partly empty or were cut short at the time of the analysis: each makes a clean report `warn`. */
export function incompleteWindows(report: Pick<Report, 'windowCoverage'>): number {
  const c = report.windowCoverage;
  if (!c) return 0;
  return [c.before, c.after].filter((w) => w !== undefined && (w.partlyEmpty || (w.notElapsedMs ?? 0) > 0)).length;
}

/** One warning per incomplete window, saying how much is missing and where the data is. */
export function coverageWarnings(coverage: NonNullable<Report['windowCoverage']>): string[] {
  const out: string[] = [];
  for (const name of ['before', 'after'] as const) {
    const c = coverage[name];
    if (!c) continue;
    const length = Date.parse(c.stop) - Date.parse(c.start);
    if (c.notElapsedMs && c.requestedStop) {
      out.push(
        `${name} window: asked to run until ${c.requestedStop}, but only ${formatSpan(length)} had elapsed when the analysis ran; ` +
          `the ${formatSpan(c.notElapsedMs)} still in the future were not analysed (the window was cut at ${c.stop})`,
      );
    }
    if (!c.partlyEmpty) continue;
    if (c.blocksWithData === 0) {
      out.push(`${name} window is empty: no data at all from ${c.start} to ${c.stop}, while the other window has data`);
      continue;
    }
    const where = c.gaps
      .slice(0, 3)
      .map((g) => `${g.start} – ${g.stop} (${formatSpan(g.ms)})`)
      .join(', ');
    out.push(
      `${name} window is partly empty: no data for ${formatSpan(c.missingMs)} of its ${formatSpan(length)} (${formatPercent(c.missingShare)} missing); ` +
        `data from ${c.firstData} to ${c.lastData}; gap${c.gaps.length === 1 ? '' : 's'}: ${where}${c.gaps.length > 3 ? ', …' : ''}; the findings judge only the covered part`,
    );
  }
  return out;
}
