import { describe, expect, it } from 'vitest';
import { bucketIndex } from '../../src/stats/bucket-index.ts';
import { histogramQuantile } from '../../src/stats/histogram-quantile.ts';
import { histogramQuantileCI } from '../../src/stats/histogram-quantile-ci.ts';
import { logBucketBounds } from '../../src/stats/log-bucket-bounds.ts';
import { quantileCI } from '../../src/stats/quantile-ci.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';

describe('histogramQuantile (Prometheus histogram_quantile semantics)', () => {
  const bounds = [10, 20, 40, Infinity];
  it('interpolates linearly inside the bucket that reaches the rank', () => {
    // rank 0.5·20 = 10 → bucket (10, 20] holds ranks 6…15 → 10 + 10·(10 − 5)/10
    expect(histogramQuantile(bounds, [5, 10, 4, 1], 0.5)).toBe(15);
    expect(histogramQuantile(bounds, [5, 10, 4, 1], 0.25)).toBe(10);
    expect(histogramQuantile(bounds, [4, 0, 0, 0], 0.5, 2)).toBe(6); // first bucket starts at lowerBound
  });

  it('clamps to the lower edge of an open last bucket', () => {
    expect(histogramQuantile(bounds, [5, 10, 4, 1], 0.99)).toBe(40);
  });

  it('skips empty buckets at the rank boundary', () => {
    expect(histogramQuantile([1, 2, 3], [2, 0, 2], 0.5)).toBe(1);
  });

  it('rejects bad histograms', () => {
    expect(() => histogramQuantile([], [], 0.5)).toThrow(/no buckets/);
    expect(() => histogramQuantile([1, 2], [1], 0.5)).toThrow(/same length/);
    expect(() => histogramQuantile([2, 1], [1, 1], 0.5)).toThrow(/upperBounds\[1\]/);
    expect(() => histogramQuantile([1, 2], [0, 0], 0.5)).toThrow(/no observations/);
    expect(() => histogramQuantile([1, 2], [1, Number.NaN], 0.5)).toThrow(/counts\[1\]/);
    expect(() => histogramQuantile([1, 2], [1, 1], 1.5)).toThrow(/q must be in \[0, 1\]/);
  });
});

describe('histogramQuantileCI', () => {
  it('maps the binomial order-statistic ranks into buckets', () => {
    expect(histogramQuantileCI([10, 20, 40, Infinity], [50, 100, 40, 10], 0.5)).toEqual({
      estimate: 15,
      lower: 13.6,
      upper: 16.5,
      resolution: 0.5,
    });
  });

  it('brackets the exact interval of the raw data within bucket resolution', () => {
    // Raw lognormal latencies binned on the fixed log scheme: each histogram bound must fall in the
    // bucket holding the corresponding exact order statistic (same ranks, SciPy-validated in quantile-ci).
    const r = seededRandom(11);
    const raw = Float64Array.from({ length: 20000 }, () => r.lognormal(4, 1));
    raw.sort();
    const bounds = logBucketBounds({ min: 0.1, max: 600000, perDecade: 40 });
    const counts = new Float64Array(bounds.length);
    for (const v of raw) counts[bucketIndex(bounds, v)]++;
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = quantileCI(raw, q);
      const binned = histogramQuantileCI(bounds, counts, q);
      for (const [h, e] of [
        [binned.lower, exact.lower],
        [binned.upper, exact.upper],
      ]) {
        const b = bucketIndex(bounds, e);
        expect(h).toBeGreaterThanOrEqual(b === 0 ? 0 : bounds[b - 1]);
        expect(h).toBeLessThanOrEqual(bounds[b]);
      }
      expect(binned.resolution).toBeCloseTo(1 - Math.pow(10, -1 / 40), 12);
    }
  });

  it('reports an open upper side as Infinity and rejects fractional counts', () => {
    const r = histogramQuantileCI([1, Infinity], [5, 5], 0.9);
    expect(r.upper).toBe(Infinity);
    expect(r.resolution).toBe(Infinity);
    expect(() => histogramQuantileCI([1, 2], [0.5, 1], 0.5)).toThrow(/whole numbers/);
  });
});

describe('logBucketBounds / bucketIndex', () => {
  it('builds the fixed log scheme with a final Infinity edge', () => {
    expect(Array.from(logBucketBounds({ min: 1, max: 100, perDecade: 2 }))).toEqual([1, 3.1622776601683795, 10, 31.622776601683793, 100, Infinity]);
    const b = logBucketBounds({ min: 0.1, max: 600000, perDecade: 40 });
    expect(b[0]).toBe(0.1);
    expect(b[b.length - 2]).toBeGreaterThanOrEqual(600000);
    expect(b[b.length - 3]).toBeLessThan(600000);
    expect(b[b.length - 1]).toBe(Infinity);
    expect(b[1] / b[0] - 1).toBeCloseTo(0.0592537, 6); // ≈ 5.9 % per bucket
  });

  it('finds the bucket holding (bounds[i-1], bounds[i]]', () => {
    const b = new Float64Array([1, 10, 100, Infinity]);
    expect(bucketIndex(b, 0.5)).toBe(0);
    expect(bucketIndex(b, 1)).toBe(0);
    expect(bucketIndex(b, 1.0000001)).toBe(1);
    expect(bucketIndex(b, 10)).toBe(1);
    expect(bucketIndex(b, 1e9)).toBe(3);
    expect(bucketIndex([1, 2], 3)).toBe(2);
    expect(() => bucketIndex(b, Number.NaN)).toThrow(RangeError);
  });

  it('rejects invalid schemes', () => {
    expect(() => logBucketBounds({ min: 0, max: 10, perDecade: 10 })).toThrow(/min must be/);
    expect(() => logBucketBounds({ min: 1, max: 0.5, perDecade: 10 })).toThrow(/max must be/);
    expect(() => logBucketBounds({ min: 1, max: 10, perDecade: 2.5 })).toThrow(/perDecade/);
  });
});
