import { describe, expect, it } from 'vitest';
import { hodgesLehmann } from '../../src/stats/hodges-lehmann.ts';
import { countLessOrEqual, kthPairwiseDifference } from '../../src/stats/kth-pairwise-difference.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { expectSameNumber, fixture } from './reference.ts';

const ref = fixture<{
  cases: { label: string; x: number[]; y: number[]; confidence: number; estimate: number; lower: number | null; upper: number | null }[];
}>('hodges-lehmann.json');

describe('hodgesLehmann against NumPy brute force over all n·m differences', () => {
  // The script sorts np.subtract.outer(x, y) and picks the same ranks (C = ⌊nm/2 − z·σ_U⌋); this checks the
  // selection algorithm, including cases large enough (> 65 536 differences) to need sampling rounds.
  it.each(ref.cases)('$label, confidence=$confidence', ({ x, y, confidence, estimate, lower, upper }) => {
    const r = hodgesLehmann(x, y, confidence);
    expectSameNumber(r.estimate, estimate, 'estimate');
    expectSameNumber(r.lower, lower === null ? -Infinity : lower, 'lower');
    expectSameNumber(r.upper, upper === null ? Infinity : upper, 'upper');
  });
});

describe('kthPairwiseDifference', () => {
  it('selects every rank of a tie-heavy matrix exactly', () => {
    const r = seededRandom(5);
    const a = Float64Array.from({ length: 300 }, () => Math.round(r.exponential(5))).sort();
    const b = Float64Array.from({ length: 250 }, () => Math.round(r.exponential(6))).sort();
    const all = new Float64Array(a.length * b.length);
    let w = 0;
    for (const ai of a) for (const bj of b) all[w++] = ai - bj;
    all.sort();
    for (const k of [1, 2, 1000, 37500, 37501, 74999, 75000]) expect(kthPairwiseDifference(a, b, k)).toBe(all[k - 1]);
    expect(countLessOrEqual(a, b, 0)).toBe(all.filter((d) => d <= 0).length);
  });

  it('handles a million by a million without forming the differences', () => {
    const r = seededRandom(9);
    const a = Float64Array.from({ length: 1_000_000 }, () => r.lognormal(3, 1)).sort();
    const b = Float64Array.from({ length: 1_000_000 }, () => r.lognormal(3.1, 1)).sort();
    const k = 5e11;
    const v = kthPairwiseDifference(a, b, k);
    // Exactly k − (number of pairs equal to v) … k pairs lie at or below v.
    expect(countLessOrEqual(a, b, v)).toBeGreaterThanOrEqual(k);
    expect(countLessOrEqual(a, b, v - Math.abs(v) * 1e-15 - Number.MIN_VALUE)).toBeLessThan(k);
  });

  it('rejects ranks outside 1…n·m', () => {
    const a = new Float64Array([1, 2]);
    expect(() => kthPairwiseDifference(a, a, 0)).toThrow(RangeError);
    expect(() => kthPairwiseDifference(a, a, 5)).toThrow(/1…4/);
  });
});

describe('hodgesLehmann input checks', () => {
  it('rejects empty samples, NaN and bad confidence', () => {
    expect(() => hodgesLehmann([], [1])).toThrow(/x must contain at least one value/);
    expect(() => hodgesLehmann([1], [Number.NaN])).toThrow(/y\[0\] is not a number/);
    expect(() => hodgesLehmann([1], [2], 0)).toThrow(/confidence/);
    expect(() => hodgesLehmann([1, Infinity], [2])).toThrow(/x\[1\] must be finite/);
  });
});
