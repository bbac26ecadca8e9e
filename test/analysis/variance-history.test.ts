/**
 * A seasonal baseline with a variance history (issue 11: `--variance-periods`): the K newest reference days are the
 * baseline, all H measure the day-to-day variation. The calibration generator draws each day from its own random
 * stream, so the same seed gives the same K baseline days with or without the older ones: every finding's estimates
 * (before and after values, counts) must be the K-day report's, bit for bit, and only the variance (its degrees of
 * freedom: H − 1) may differ.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { rawPeriodSplit } from '../../src/analysis/baseline.ts';
import { designEffectsOfSums } from '../../src/analysis/design-effect.ts';
import { viewOf, type SortedRawView } from '../../src/analysis/sample-view.ts';
import { withoutBlocks } from '../../src/analysis/time-blocks.ts';
import { studentTQuantile } from '../../src/stats/index.ts';
import historyReference from './fixtures/variance-history.json' with { type: 'json' };
import type { Finding, Report, SeasonalLayout } from '../../src/analysis/types.ts';
import { loadConfig } from '../../src/config.ts';
import { COARSE_LE, DAILY_QUEUE, P99_PLUS_20, scenario } from '../calibration/families.ts';
import type { Scenario } from '../calibration/scenario.ts';
import { baselineWindows } from '../calibration/telemetry-generator.ts';

const settings = loadConfig().analysis;

function reports(s: Scenario, seed: number): { plain: Report; history: Report } {
  return {
    plain: analyze(baselineWindows(s, seed, { kind: 'seasonal', periods: 3 }), settings).report,
    history: analyze(baselineWindows(s, seed, { kind: 'seasonal', periods: 14, levelPeriods: 3 }), settings).report,
  };
}

const key = (f: Finding) => `${f.kind} ${f.subject} ${f.statistic}`;
const dfOf = (f: Finding) => /\b(\d+(?:\.\d+)?) df\b/.exec(f.test ?? '')?.[1];

describe('designEffectsOfSums with a variance history against NumPy (scripts/reference/make_variance_history_reference.py)', () => {
  it.each(historyReference.cases.map((c, i) => [i, c] as const))('case %i: the baseline and after design effects, t(G − 1) over every period with data', (_, c) => {
    const periods = { size: c.size, variance: 'between' as const, levelBlocks: c.levelBlocks };
    const d = designEffectsOfSums(
      { sums: Float64Array.from(c.sums), independentVariance: c.independentVariance, clusters: { periods, weights: Float64Array.from(c.weights) } },
      { sums: Float64Array.from(c.afterSums), independentVariance: c.afterIndependentVariance, clusters: { periods, weights: Float64Array.from(c.afterWeights) } },
    );
    expect(d.before.designEffect).toBeCloseTo(c.expected.before, 9);
    expect(d.after.designEffect).toBeCloseTo(c.expected.after, 9);
    expect([d.before.df, d.after.df, d.jointDf]).toEqual([c.expected.df, c.expected.df, c.expected.df]);
    expect(studentTQuantile(0.975, d.jointDf!)).toBeCloseTo(c.expected.tQuantile975, 9);
  });
});

describe('seasonal baseline with a variance history', () => {
  it('raw samples: the 3 baseline days give the estimates, the 14 days the variance (13 df)', () => {
    const { plain, history } = reports(scenario({ daily: DAILY_QUEUE, regressions: [P99_PLUS_20] }), 1001);
    expect(history.findings.map(key)).toEqual(plain.findings.map(key));
    for (const [i, f] of history.findings.entries()) {
      const g = plain.findings[i];
      expect([f.before, f.after, f.details?.threshold, f.details?.aboveBefore, f.details?.aboveAfter], key(f)).toEqual([g.before, g.after, g.details?.threshold, g.details?.aboveBefore, g.details?.aboveAfter]);
    }
    const tested = history.findings.filter((f) => f.kind === 'tail_latency' && f.status !== 'insufficient_data');
    expect(tested.length).toBeGreaterThan(10);
    expect(new Set(tested.map(dfOf))).toEqual(new Set(['13']));
    expect(new Set(plain.findings.filter((f) => f.kind === 'tail_latency' && f.status !== 'insufficient_data').map(dfOf))).toEqual(new Set(['2']));
    // Retries and backoff: the baseline's totals are the 3 days' too.
    for (const f of history.findings.filter((x) => x.kind !== 'tail_latency')) {
      const g = plain.findings.find((x) => key(x) === key(f))!;
      expect([f.before, f.after], key(f)).toEqual([g.before, g.after]);
    }
    expect(history.baseline).toMatchObject({ kind: 'seasonal', periods: 3, used: 3, variancePeriods: 14, varianceUsed: 14 });
    const refs = (history.baseline as { references: Array<{ role?: string; requests: number }> }).references;
    expect(refs.map((r) => r.role ?? 'baseline')).toEqual([...Array<string>(3).fill('baseline'), ...Array<string>(11).fill('variance')]);
    expect(refs.every((r) => r.requests > 0)).toBe(true);
  }, 120_000);

  it('histogram samples: the same split of the bucket counts', () => {
    const { plain, history } = reports(scenario({ daily: DAILY_QUEUE, histogramLe: COARSE_LE }), 1002);
    expect(history.findings.map(key)).toEqual(plain.findings.map(key));
    for (const [i, f] of history.findings.entries()) expect([f.before, f.after, f.details?.aboveBefore], key(f)).toEqual([plain.findings[i].before, plain.findings[i].after, plain.findings[i].details?.aboveBefore]);
    const tested = history.findings.filter((f) => f.kind === 'tail_latency' && /rao-scott t/.test(f.test ?? ''));
    expect(tested.length).toBeGreaterThan(0);
    expect(new Set(tested.map(dfOf))).toEqual(new Set(['13']));
  }, 120_000);

  it('a burst on an older day is not an incident of the report (it is only in the variance)', () => {
    // Every request of three minutes on the 10th day back made 3× slower: with all 14 days as the baseline it is an
    // incident of the before side; as a variance day it is neither reported nor left out of anything.
    const w = baselineWindows(scenario({ daily: DAILY_QUEUE }), 1003, { kind: 'seasonal', periods: 14, levelPeriods: 3 });
    const layout = w.baseline as SeasonalLayout;
    const first = 9 * layout.blocksPerReference + 30;
    for (const s of w.latency) {
      if (s.before.kind !== 'raw' || !s.before.blocks) throw new Error('raw samples with blocks expected');
      const values = Float64Array.from(s.before.values);
      for (let i = 0; i < values.length; i++) if (s.before.blocks[i] >= first && s.before.blocks[i] < first + 3) values[i] *= 3;
      s.before = { ...s.before, values };
    }
    const asVariance = analyze(w, settings).report;
    expect(asVariance.incidents ?? []).toEqual([]);
    const allBaseline = analyze({ ...w, baseline: { ...layout, levelPeriods: undefined } }, settings).report;
    expect(allBaseline.incidents?.some((i) => i.window === 'before' && i.start.startsWith('2026-11-10'))).toBe(true);
  }, 120_000);

  it('variance periods without data: one warning naming them, the variation measured over the periods that have data', () => {
    const w = baselineWindows(scenario({ daily: DAILY_QUEUE }), 1004, { kind: 'seasonal', periods: 3 });
    const layout = w.baseline as SeasonalLayout;
    const day = 86_400_000;
    const references = Array.from({ length: 14 }, (_, k) => ({ start: w.after.start - (k + 1) * day, stop: w.after.stop - (k + 1) * day }));
    const plain = analyze(w, settings).report;
    const report = analyze({ ...w, before: { start: references[13].start, stop: references[0].stop }, baseline: { ...layout, references, levelPeriods: 3 } }, settings).report;
    expect(report.baseline).toMatchObject({ periods: 3, used: 3, variancePeriods: 14, varianceUsed: 3 });
    const notes = report.warnings.filter((x) => x.includes('variance period'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^seasonal baseline: 11 of the 11 older variance periods have no data \(4 \(2026-11-16T14:00:00.000Z\), 5 \(.*\), 6 \(.*\), … 14 \(2026-11-06T14:00:00.000Z\)\); the period-to-period variation is measured over 3 of 14 periods$/);
    // Only the 3 baseline days have data: the same comparisons, on 2 df, as without a history.
    expect(report.findings.map((f) => [key(f), f.status, f.before, f.after, dfOf(f)])).toEqual(plain.findings.map((f) => [key(f), f.status, f.before, f.after, dfOf(f)]));
  }, 120_000);

  it("the anomaly check's per-period views (one sort per period) are withoutBlocks' views, value for value", () => {
    const w = baselineWindows(scenario({ daily: DAILY_QUEUE }), 1005, { kind: 'seasonal', periods: 5 });
    const b = (w.baseline as SeasonalLayout).blocksPerReference;
    const all = viewOf(w.latency[0].before, 5 * b) as SortedRawView;
    const split = rawPeriodSplit(all, b, 5);
    for (let k = 0; k < 5; k++) {
      const own = new Set(Array.from({ length: b }, (_, i) => k * b + i));
      const others = new Set(Array.from({ length: 5 * b }, (_, i) => i).filter((i) => !own.has(i)));
      const { day, rest } = split(k);
      expect(day).toEqual(withoutBlocks(all, others));
      expect(rest).toEqual(withoutBlocks(all, own));
    }
  }, 120_000);
});
