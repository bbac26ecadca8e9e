/**
 * Simulated SLA-guard runs (issue 11 item 2): one world per seed from the calibration generator through the real
 * WindowBuilder (before window fixed, after window as long as the last look needs), then `looks` evaluations on the
 * growing after window — the after window cut at look k · interval, exactly the window a guard evaluating at that
 * time builds (blocks 0 … K−1 of the after window are the same blocks either way) — each analysed by analyze().
 * Per run it records the first look at which each rule would act:
 * - `sequential`: the anytime-valid rule the guard uses (analysis/sequential.ts: an e-value ≥ m/α on a regression);
 * - `report`: the report's fixed-α regression status (Benjamini-Hochberg at the shipped fdr, tolerance) at each look,
 *   i.e. the guard without the sequential test and with hysteresis 1; `reportTwice`: the same two looks in a row
 *   (hysteresis 2, the shipped setting);
 * - `naive`: the target finding's own fixed-α test, one-sided for worse (two-sided p < 2α and worse) at each look:
 *   the textbook repeated test, each look at level α.
 * Shared by test/analysis/sequential-guard.test.ts (fast subset) and bench/sequential-guard.ts.
 */
import { analyze } from '../../src/analysis/analyze.ts';
import { sequentialLook, type SequentialSettings } from '../../src/analysis/sequential.ts';
import type { AnalysisSettings, FindingKind, LatencySeries, MetricWindows, RawSamples } from '../../src/analysis/types.ts';
import type { FindingTarget } from './families.ts';
import { MINUTE_MS, type Scenario } from './scenario.ts';
import { buildWindows } from './telemetry-generator.ts';

export interface GuardRunOptions {
  looks: number;
  intervalMs: number;
  settings: AnalysisSettings;
  sequential: SequentialSettings;
  kinds: FindingKind[];
  target: FindingTarget;
  /** Level of the naive per-look one-sided test (default 0.05). */
  alpha?: number;
}

/** First look (1-based) at which each rule acts, null if it never does within the looks. */
export interface GuardRun {
  seed: number;
  sequential: number | null;
  report: number | null;
  reportTwice: number | null;
  naive: number | null;
  /** The largest e-value of the target finding over the looks (for the printout). */
  maxTargetEValue: number;
}

/** The windows with the after window cut at `stopMs` (raw latency samples only; their blocks say where they fall). */
export function cutAfter(w: MetricWindows, stopMs: number): MetricWindows {
  const blockMs = w.blockMs;
  if (!blockMs) throw new Error('cutAfter: the windows carry no time blocks');
  const keepBlocks = Math.ceil((stopMs - w.after.start) / blockMs);
  const cut = (s: LatencySeries): LatencySeries => {
    const a = s.after;
    if (a.kind !== 'raw' || !a.blocks) throw new Error('cutAfter: raw latency samples with blocks only');
    let n = 0;
    for (let i = 0; i < a.blocks.length; i++) if (a.blocks[i] < keepBlocks) n++;
    const values = new Float64Array(n);
    const blocks = new Uint32Array(n);
    for (let i = 0, j = 0; i < a.blocks.length; i++) {
      if (a.blocks[i] >= keepBlocks) continue;
      values[j] = a.values[i];
      blocks[j++] = a.blocks[i];
    }
    const after: RawSamples = { kind: 'raw', values, blocks };
    return { service: s.service, endpoint: s.endpoint, before: s.before, after };
  };
  if (w.upstreams.length > 0) throw new Error('cutAfter: latency-only worlds');
  return { ...w, after: { start: w.after.start, stop: stopMs }, latency: w.latency.map(cut) };
}

export function simulateGuardRun(s: Scenario, seed: number, o: GuardRunOptions): GuardRun {
  if (o.intervalMs % MINUTE_MS !== 0) throw new Error('simulateGuardRun: the interval must be whole minutes (the generator blocks)');
  const full = buildWindows({ ...s, afterMs: o.looks * o.intervalMs }, seed);
  const alpha = o.alpha ?? 0.05;
  const run: GuardRun = { seed, sequential: null, report: null, reportTwice: null, naive: null, maxTargetEValue: 0 };
  let previousFailed = false;
  for (let look = 1; look <= o.looks; look++) {
    const { report } = analyze(cutAfter(full, s.upgradeAt + look * o.intervalMs), o.settings);
    const seq = sequentialLook(report, { kinds: o.kinds, look, settings: o.sequential });
    const failed = report.findings.some((f) => f.status === 'regression' && o.kinds.includes(f.kind));
    const t = report.findings.find((f) => f.kind === o.target.kind && f.subject === o.target.subject && f.statistic === o.target.statistic);
    const targetE = seq.best && seq.best.subject === o.target.subject && seq.best.statistic === o.target.statistic ? seq.best.eValue : 0;
    run.maxTargetEValue = Math.max(run.maxTargetEValue, targetE);
    if (run.sequential === null && seq.crossed.length > 0) run.sequential = look;
    if (run.report === null && failed) run.report = look;
    if (run.reportTwice === null && failed && previousFailed) run.reportTwice = look;
    if (run.naive === null && t && t.pValue !== null && t.pValue < 2 * alpha && (t.relativeChange ?? 0) > 0) run.naive = look;
    previousFailed = failed;
  }
  return run;
}

/** How many runs acted by each rule, and by which look (for power: the share acted within `within` looks). */
export function summarizeRuns(runs: GuardRun[], within?: number) {
  const acted = (k: keyof Pick<GuardRun, 'sequential' | 'report' | 'reportTwice' | 'naive'>) => runs.filter((r) => r[k] !== null && (within === undefined || r[k]! <= within)).length;
  const looks = runs.map((r) => r.sequential).filter((l): l is number => l !== null).sort((a, b) => a - b);
  const q = (p: number) => (looks.length ? looks[Math.min(looks.length - 1, Math.floor(p * looks.length))] : null);
  return { runs: runs.length, sequential: acted('sequential'), report: acted('report'), reportTwice: acted('reportTwice'), naive: acted('naive'), sequentialLookMedian: q(0.5), sequentialLookP95: q(0.95) };
}
