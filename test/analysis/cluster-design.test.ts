/**
 * The seasonal baseline's between-period design effect (design-effect.ts clusterDesign) against an independent
 * NumPy implementation of the CR1 cluster-robust variance (scripts/reference/make_cluster_design_reference.py →
 * fixtures/cluster-design.json), and its use in designEffectsOfSums: the after window counts as one more period.
 * The within-period design effect against an independent NumPy implementation
 * (scripts/reference/make_period_effect_reference.py → fixtures/within-period.json).
 */
import { describe, expect, it } from 'vitest';
import { clusterDesign, designEffectsOfSums, withinPeriodDesign, type PeriodEvidence } from '../../src/analysis/design-effect.ts';
import reference from './fixtures/cluster-design.json' with { type: 'json' };
import withinReference from './fixtures/within-period.json' with { type: 'json' };

describe('clusterDesign (CR1 between reference periods, t(G − 1))', () => {
  it.each(reference.cases.map((c, i) => [i, c] as const))('case %i matches the NumPy reference', (_, c) => {
    const got = clusterDesign(Float64Array.from(c.sums), Float64Array.from(c.weights), c.size, c.independentVariance);
    expect(got).not.toBeNull();
    expect(got!.designEffect).toBeCloseTo(c.expected!.designEffect, 9);
    expect(got!.df).toBe(c.expected!.df);
    expect(got!.meanWeight).toBeCloseTo(c.expected!.meanWeight, 9);
  });

  it('a period without observations is not a cluster; one period alone measures nothing', () => {
    const c = reference.cases[2];
    expect(clusterDesign(Float64Array.from(c.sums), Float64Array.from(c.weights), c.size, c.independentVariance)!.df).toBe(2); // 4 periods, 1 empty
    expect(clusterDesign(new Float64Array([1, -1]), new Float64Array([5, 5]), 2, 10)).toBeNull();
  });

  it('designEffectsOfSums: the after window gets the between-period part scaled to its size, with G − 1 df', () => {
    const c = reference.cases[0];
    const sums = Float64Array.from(c.sums);
    const weights = Float64Array.from(c.weights);
    const before = { sums, independentVariance: c.independentVariance, clusters: { periods: { size: c.size, variance: 'between' as const }, weights } };
    const afterWeights = weights.slice(0, c.size);
    const after = { sums: new Float64Array(c.size), independentVariance: c.independentVariance / 3, clusters: { periods: { size: c.size, variance: 'between' as const }, weights: afterWeights } };
    const d = designEffectsOfSums(before, after);
    const ref = c.expected!;
    expect(d.before.designEffect).toBeCloseTo(ref.designEffect, 9);
    expect(d.before.df).toBe(2);
    const na = afterWeights.reduce((a, b) => a + b, 0);
    expect(d.after.designEffect).toBeCloseTo(1 + ((ref.designEffect - 1) * na) / ref.meanWeight, 9);
    expect(d.after.df).toBe(2);
  });

  it('the after window\'s own block variance is not used: a load trend inside the clock window is the same every period', () => {
    const c = reference.cases[0];
    const before = { sums: Float64Array.from(c.sums), independentVariance: c.independentVariance, clusters: { periods: { size: c.size, variance: 'between' as const }, weights: Float64Array.from(c.weights) } };
    const weights = Float64Array.from(c.weights).slice(0, c.size);
    // A strong trend of the residuals across the after window's blocks (what the daily load ramp gives at a pooled p99)
    const trend = Float64Array.from({ length: c.size }, (_, t) => 40 * (t - (c.size - 1) / 2));
    const d = designEffectsOfSums(before, { sums: trend, independentVariance: c.independentVariance / 3, clusters: { periods: { size: c.size, variance: 'between' as const }, weights } });
    const na = weights.reduce((a, b) => a + b, 0);
    expect(d.after.designEffect).toBeCloseTo(1 + ((c.expected!.designEffect - 1) * na) / c.expected!.meanWeight, 9);
    // Both sides come from one estimate: a comparison has its G − 1 df, not a Welch–Satterthwaite sum of two.
    expect(d.jointDf).toBe(2);
  });

  it('a between-period spread at or below the binomial one is floored at 1 but keeps its G − 1 df', () => {
    const size = 2;
    const sums = new Float64Array([0.1, -0.1, 0.05, -0.05, 0, 0]); // three periods, totals ≈ 0: no excess
    const weights = new Float64Array([100, 100, 100, 100, 100, 100]);
    const d = designEffectsOfSums({ sums, independentVariance: 150, clusters: { periods: { size, variance: 'between' as const }, weights } }, { sums: new Float64Array(size), independentVariance: 50, clusters: { periods: { size, variance: 'between' as const }, weights: weights.slice(0, size) } });
    expect(d.before).toEqual({ designEffect: 1, df: 2 });
    expect(d.after).toEqual({ designEffect: 1, df: 2 });
    expect(d.jointDf).toBe(2);
  });
});

describe('withinPeriodDesign (the variance inside the periods, clock profile removed)', () => {
  it.each(withinReference.cases.map((c, i) => [i, c] as const))('case %i matches the NumPy reference', (_, c) => {
    const got = withinPeriodDesign(Float64Array.from(c.sums), Float64Array.from(c.weights), c.size, c.independentVariance);
    expect(got).not.toBeNull();
    expect(got!.designEffect).toBeCloseTo(c.expected!.designEffect, 9);
    expect(got!.df).toBeCloseTo(c.expected!.df, 9);
  });

  it('is not moved by a period-level shift (that is the between part) nor by the clock profile', () => {
    const c = withinReference.cases[0];
    const sums = Float64Array.from(c.sums);
    const weights = Float64Array.from(c.weights);
    const base = withinPeriodDesign(sums, weights, c.size, c.independentVariance)!;
    // Shift each period's share by its own amount (events + δ_g·n_t) and add the same clock trend to every period.
    const shifted = sums.map((v, i) => v + [0.004, -0.003, 0.001][Math.floor(i / c.size)] * weights[i] + 3 * Math.sin((i % c.size) / 10));
    const got = withinPeriodDesign(shifted, weights, c.size, c.independentVariance)!;
    // The shift is removed exactly; the trend up to the blocks' Poisson-varying counts (a 1e-3 relative effect here).
    expect(Math.abs(got.designEffect / base.designEffect - 1)).toBeLessThan(1e-3);
    // …while the between-period spread sees the shift
    expect(clusterDesign(shifted, weights, c.size, c.independentVariance)!.designEffect).toBeGreaterThan(10 * base.designEffect);
  });

  it('measures nothing from one period or one block per period', () => {
    expect(withinPeriodDesign(new Float64Array([1, -1, 2]), new Float64Array([5, 5, 5]), 3, 10)).toBeNull();
    expect(withinPeriodDesign(new Float64Array([1, -1, 2]), new Float64Array([5, 5, 5]), 1, 10)).toBeNull();
  });

  it('designEffectsOfSums uses it, with its degrees of freedom, only when told the periods differ by no more than their noise', () => {
    const c = withinReference.cases[0];
    const weights = Float64Array.from(c.weights);
    const sums = Float64Array.from(c.sums);
    const after = (variance: 'between' | 'within') => ({ sums: new Float64Array(c.size), independentVariance: c.independentVariance / 3, clusters: { periods: { size: c.size, variance }, weights: weights.slice(0, c.size) } });
    const within = designEffectsOfSums({ sums, independentVariance: c.independentVariance, clusters: { periods: { size: c.size, variance: 'within' }, weights } }, after('within'));
    expect(within.before.df).toBeCloseTo(c.expected!.df, 9);
    expect(within.jointDf).toBeCloseTo(c.expected!.df, 9);
    expect(within.before.designEffect).toBe(Math.max(1, c.expected!.designEffect));
    const between = designEffectsOfSums({ sums, independentVariance: c.independentVariance, clusters: { periods: { size: c.size, variance: 'between' }, weights } }, after('between'));
    expect(between.jointDf).toBe(2);
    // The first pass hands over the evidence: between ÷ within on (G − 1, df_within)
    const seen: PeriodEvidence[] = [];
    const probe = designEffectsOfSums({ sums, independentVariance: c.independentVariance, clusters: { periods: { size: c.size, variance: (e) => seen.push(e) }, weights } }, after('between'));
    expect(probe).toEqual(between);
    const b = clusterDesign(sums, weights, c.size, c.independentVariance)!;
    expect(seen).toHaveLength(1);
    expect(seen[0].ratio).toBeCloseTo(b.designEffect / c.expected!.designEffect, 9);
    expect(seen[0].df1).toBe(2);
    expect(seen[0].df2).toBeCloseTo(c.expected!.df, 9);
  });
});
