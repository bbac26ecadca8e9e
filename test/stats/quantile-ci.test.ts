import { describe, expect, it } from 'vitest';
import { orderStatisticRanks } from '../../src/stats/order-statistic-ranks.ts';
import { quantileCI } from '../../src/stats/quantile-ci.ts';
import { quantileCIUnsorted } from '../../src/stats/quantile-ci-unsorted.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
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

describe('quantileCIUnsorted', () => {
  it('equals quantileCI on the sorted data, large and small, with ties and at extreme q', () => {
    const r = seededRandom(17);
    const samples = [
      Float64Array.from({ length: 200_000 }, () => r.lognormal(5, 1)),
      Float64Array.from({ length: 50_000 }, () => Math.round(r.exponential(3))),
      Float64Array.from({ length: 999 }, () => r.normal()),
    ];
    for (const x of samples) {
      const sorted = Float64Array.from(x).sort();
      for (const q of [0.001, 0.1, 0.5, 0.99, 0.999, 0.9999]) {
        for (const conf of [0.9, 0.99]) expect(quantileCIUnsorted(x, q, conf)).toEqual(quantileCI(sorted, q, conf));
      }
    }
  });

  it('does not mutate its input and checks it', () => {
    const x = new Float64Array([3, 1, 2]);
    quantileCIUnsorted(x, 0.5);
    expect(Array.from(x)).toEqual([3, 1, 2]);
    expect(() => quantileCIUnsorted([1, Number.NaN], 0.5)).toThrow(/values\[1\] is not a number/);
    expect(() => quantileCIUnsorted([], 0.5)).toThrow(/at least one value/);
  });

  it('matches the SciPy reference cases', () => {
    for (const { label, q, confidence, estimate, lower, upper } of ref.cases) {
      const r = quantileCIUnsorted([...ref.samples[label]].reverse(), q, confidence);
      expectClose(r.estimate, estimate, 1e-15, `${label} q=${q} estimate`);
      expectSameNumber(r.lower, lower === null ? -Infinity : lower, 'lower');
      expectSameNumber(r.upper, upper === null ? Infinity : upper, 'upper');
    }
  });
});

describe('quantileCIUnsorted input checks on the selection path', () => {
  it('names the NaN index in a large sample', () => {
    const x = new Float64Array(30_000).map((_, i) => i);
    x[29_999] = Number.NaN;
    expect(() => quantileCIUnsorted(x, 0.5)).toThrow(/values\[29999\] is not a number/);
    x[29_999] = 1;
    x[12] = Number.NaN;
    expect(() => quantileCIUnsorted(x, 0.99)).toThrow(/values\[12\] is not a number/);
  });
});
