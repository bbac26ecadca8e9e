/**
 * The per-service period-effect check of the seasonal baseline (analysis/period-effect.ts): F p-values of each
 * comparison's between ÷ within ratio, combined by the Cauchy combination test.
 */
import { describe, expect, it } from 'vitest';
import { periodEffectCheck, DEFAULT_PERIOD_EFFECT_ALPHA } from '../../src/analysis/period-effect.ts';
import { fisherFSf, seededRandom } from '../../src/stats/index.ts';
import { analyze } from '../../src/analysis/analyze.ts';
import { analysisSettings, loadConfig } from '../../src/config.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import { DAILY_QUEUE, DAILY_QUEUE_STEADY, scenario } from '../calibration/families.ts';
import { baselineWindows } from '../calibration/telemetry-generator.ts';

/** Ratios drawn from F(2, 80): what steady periods give (χ²(2)/2 over χ²(80)/80). */
function steadyRatios(count: number, seed: number): number[] {
  const r = seededRandom(seed);
  const chi2 = (df: number) => {
    let s = 0;
    for (let i = 0; i < df; i++) s += r.normal() ** 2;
    return s;
  };
  return Array.from({ length: count }, () => chi2(2) / 2 / (chi2(80) / 80));
}

describe('periodEffectCheck', () => {
  it('without evidence keeps the between-period spread', () => {
    expect(periodEffectCheck('shop', [])).toEqual({ service: 'shop', comparisons: 0, pValue: null, variance: 'between' });
  });

  it('steady periods: the within-period variance, in about 1 − α of the services (300 simulated services)', () => {
    let within = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const c = periodEffectCheck('shop', steadyRatios(40, seed).map((ratio) => ({ ratio, df1: 2, df2: 80 })));
      if (c.variance === 'within') within++;
    }
    // Binomial(300, 0.95): 95 % of services ± 3.8 se
    expect(within / 300).toBeGreaterThan(1 - DEFAULT_PERIOD_EFFECT_ALPHA - 0.05);
    expect(within / 300).toBeLessThan(1 - DEFAULT_PERIOD_EFFECT_ALPHA + 0.05);
  });

  it('one comparison with a clear day effect among 40 steady ones is enough to keep the between spread', () => {
    const evidence = steadyRatios(40, 7).map((ratio) => ({ ratio, df1: 2, df2: 80 }));
    expect(periodEffectCheck('shop', evidence).variance).toBe('within');
    // between = 40× within on (2, 80) df: p ≈ 6e-13 on its own
    expect(fisherFSf(40, 2, 80)).toBeLessThan(1e-11);
    const c = periodEffectCheck('shop', [...evidence, { ratio: 40, df1: 2, df2: 80 }]);
    expect(c.variance).toBe('between');
    expect(c.pValue!).toBeLessThan(1e-9);
    expect(c.comparisons).toBe(41);
  });
});

describe('analyze with analysis.seasonal.periodVariance: auto (generated telemetry through the real WindowBuilder)', () => {
  const shipped = analysisSettings(loadConfig());
  const auto = { ...shipped, seasonal: { periodVariance: 'auto' as const } };
  const steady = scenario({ daily: DAILY_QUEUE_STEADY });
  const dayEffect = scenario({ daily: DAILY_QUEUE });

  it('steady days: the within-period variance with its many df, said in report.baseline and the Markdown', () => {
    const { report } = analyze(baselineWindows(steady, 1001, { kind: 'seasonal', periods: 3 }), auto);
    const b = report.baseline;
    expect(b?.kind).toBe('seasonal');
    const checks = b?.kind === 'seasonal' ? b.periodEffect : undefined;
    expect(checks).toEqual([{ service: 'shop', comparisons: expect.any(Number), pValue: expect.any(Number), variance: 'within' }]);
    expect(checks![0].comparisons).toBeGreaterThan(20);
    const p99 = report.findings.find((f) => f.subject === '/checkout' && f.statistic === 'p99');
    // t on many df, not t(2)
    expect(p99?.test).toMatch(/rao-scott t, \d{2,}(\.\d+)? df/);
    expect(renderMarkdown(report)).toMatch(/shop: periods no more different than their within-period noise \(p = [^)]+ over \d+ comparisons\), so the within-period variance is used/);
  });

  it('a 3 % day effect: the spread between the periods on K − 1 = 2 df, as without the check', () => {
    const windows = baselineWindows(dayEffect, 1001, { kind: 'seasonal', periods: 3 });
    const { report } = analyze(windows, auto);
    const b = report.baseline;
    const checks = b?.kind === 'seasonal' ? b.periodEffect : undefined;
    expect(checks?.[0].variance).toBe('between');
    expect(checks![0].pValue!).toBeLessThan(1e-6);
    // …and then every finding is the default's, bit for bit (the default runs no check and reports none)
    const byDefault = analyze(windows, shipped).report;
    expect(byDefault.baseline?.kind === 'seasonal' && byDefault.baseline.periodEffect).toBeUndefined();
    expect(report.findings).toEqual(byDefault.findings);
    expect(renderMarkdown(report)).toMatch(/shop: periods differ beyond their within-period noise \(p = [^)]+\), so the spread between the periods is used \(2 df\)/);
  });
});
