import { describe, expect, it } from 'vitest';
import { ksTwoSample } from '../../src/stats/ks-two-sample.ts';
import { expectClose, fixture, twoSampleDatasets } from './reference.ts';

type Alt = 'two-sided' | 'less' | 'greater';
const datasets = twoSampleDatasets();
const ref = fixture<{ cases: { dataset: number; alternative: Alt; method: 'auto' | 'exact' | 'asymp'; d: number; pValue: number | null }[] }>(
  'ks-two-sample.json',
);

describe('ksTwoSample against scipy.stats.ks_2samp (SciPy 1.17)', () => {
  it.each(ref.cases.map((c) => ({ ...c, label: datasets[c.dataset].label })))(
    '$label, $alternative, method=$method',
    ({ dataset, alternative, method, d, pValue }) => {
      const { x, y } = datasets[dataset];
      const r = ksTwoSample(x, y, { alternative, method });
      expectClose(r.d, d, 1e-15, 'd');
      // Exact paths follow SciPy's arithmetic step for step; the kstwo asymptotic path differs in
      // smirnov's summation (double vs double-double), hence 1e-9 rather than bit equality.
      expectClose(r.pValue, pValue, 1e-9, 'pValue');
    },
  );

  it("'auto' switches from exact to asymptotic above 10000 observations", () => {
    const big = datasets.find((d) => d.label.startsWith('large'))!;
    expect(ksTwoSample(big.x, big.y).method).toBe('asymp');
    expect(ksTwoSample([1, 2, 3], [4, 5]).method).toBe('exact');
  });

  it('rejects empty samples, NaN and unknown methods', () => {
    expect(() => ksTwoSample([1], [])).toThrow(/y must contain at least one value/);
    expect(() => ksTwoSample([Number.NaN], [1])).toThrow(/x\[0\] is not a number/);
    expect(() => ksTwoSample([1], [2], { method: 'fast' as 'auto' })).toThrow(/method must be/);
  });
});
