/**
 * The seasonal baseline's between-period design effect (design-effect.ts clusterDesign) against an independent
 * NumPy implementation of the CR1 cluster-robust variance (scripts/reference/make_cluster_design_reference.py →
 * fixtures/cluster-design.json), and its use in designEffectsOfSums: the after window counts as one more period.
 */
import { describe, expect, it } from 'vitest';
import { clusterDesign, designEffectsOfSums } from '../../src/analysis/design-effect.ts';
import reference from './fixtures/cluster-design.json' with { type: 'json' };

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
    const before = { sums, independentVariance: c.independentVariance, clusters: { size: c.size, weights } };
    const afterWeights = weights.slice(0, c.size);
    const after = { sums: new Float64Array(c.size), independentVariance: c.independentVariance / 3, clusters: { size: c.size, weights: afterWeights } };
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
    const before = { sums: Float64Array.from(c.sums), independentVariance: c.independentVariance, clusters: { size: c.size, weights: Float64Array.from(c.weights) } };
    const weights = Float64Array.from(c.weights).slice(0, c.size);
    // A strong trend of the residuals across the after window's blocks (what the daily load ramp gives at a pooled p99)
    const trend = Float64Array.from({ length: c.size }, (_, t) => 40 * (t - (c.size - 1) / 2));
    const d = designEffectsOfSums(before, { sums: trend, independentVariance: c.independentVariance / 3, clusters: { size: c.size, weights } });
    const na = weights.reduce((a, b) => a + b, 0);
    expect(d.after.designEffect).toBeCloseTo(1 + ((c.expected!.designEffect - 1) * na) / c.expected!.meanWeight, 9);
    // Both sides come from one estimate: a comparison has its G − 1 df, not a Welch–Satterthwaite sum of two.
    expect(d.jointDf).toBe(2);
  });

  it('a between-period spread at or below the binomial one is floored at 1 but keeps its G − 1 df', () => {
    const size = 2;
    const sums = new Float64Array([0.1, -0.1, 0.05, -0.05, 0, 0]); // three periods, totals ≈ 0: no excess
    const weights = new Float64Array([100, 100, 100, 100, 100, 100]);
    const d = designEffectsOfSums({ sums, independentVariance: 150, clusters: { size, weights } }, { sums: new Float64Array(size), independentVariance: 50, clusters: { size, weights: weights.slice(0, size) } });
    expect(d.before).toEqual({ designEffect: 1, df: 2 });
    expect(d.after).toEqual({ designEffect: 1, df: 2 });
    expect(d.jointDf).toBe(2);
  });
});
