/**
 * The per-service period-effect check of the seasonal baseline (analysis/period-effect.ts): F p-values of each
 * comparison's between ÷ within ratio, combined by the Cauchy combination test.
 */
import { describe, expect, it } from 'vitest';
import { periodEffectCheck, DEFAULT_PERIOD_EFFECT_ALPHA } from '../../src/analysis/period-effect.ts';
import { fisherFSf, seededRandom } from '../../src/stats/index.ts';

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
