import { describe, expect, it } from 'vitest';
import { orderStatisticRanks } from '../../src/stats/order-statistic-ranks.ts';
import { quantileCI } from '../../src/stats/quantile-ci.ts';
import { expectClose, expectSameNumber, fixture } from './reference.ts';

const ref = fixture<{
  samples: Record<string, number[]>;
  cases: { label: string; q: number; confidence: number; estimate: number; lower: number | null; upper: number | null }[];
  ranks: { n: number; q: number; confidence: number; lowerIndex: number; upperIndex: number }[];
}>('quantile-ci.json');

describe('quantileCI against np.quantile and scipy.stats.quantile_test(...).confidence_interval', () => {
  it.each(ref.cases)('$label, q=$q, confidence=$confidence', ({ label, q, confidence, estimate, lower, upper }) => {
    const r = quantileCI(ref.samples[label], q, confidence);
    expectClose(r.estimate, estimate, 1e-15, 'estimate');
    // SciPy returns nan for a side the sample cannot bound; we return ∓Infinity (documented).
    expectSameNumber(r.lower, lower === null ? -Infinity : lower, 'lower');
    expectSameNumber(r.upper, upper === null ? Infinity : upper, 'upper');
  });

  it.each(ref.ranks)('order-statistic indices for n=$n q=$q confidence=$confidence', ({ n, q, confidence, lowerIndex, upperIndex }) => {
    const r = orderStatisticRanks(n, q, confidence);
    expect(r.lowerIndex).toBe(lowerIndex);
    expect(r.upperIndex).toBe(upperIndex);
  });

  it('reports the ranks of its bounds, with -1 / n for unbounded sides', () => {
    const x = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(quantileCI(x, 0.5)).toEqual({ estimate: 5.5, lower: 2, upper: 9, lowerRank: 1, upperRank: 8 });
    const tail = quantileCI(x, 0.99);
    expect(tail.upper).toBe(Infinity);
    expect(tail.upperRank).toBe(10);
  });

  it('rejects empty, unsorted and NaN-holding samples and bad q / confidence', () => {
    expect(() => quantileCI([], 0.5)).toThrow(/at least one value/);
    expect(() => quantileCI([1, 3, 2], 0.5)).toThrow(/sorted ascending.*\[2\]/);
    expect(() => quantileCI([1, Number.NaN], 0.5)).toThrow(/sortedAscending\[1\] is not a number/);
    expect(() => quantileCI([1, 2], 1)).toThrow(/q must be strictly between 0 and 1/);
    expect(() => quantileCI([1, 2], 0.5, 1)).toThrow(/confidence must be strictly between 0 and 1/);
  });
});
