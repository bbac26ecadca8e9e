/**
 * The shortcuts quantileOf takes at scale (issue 12) give what the direct computation gives: the interval ranks of
 * independent windows come from a cache by (q, confidence, n), and quantileEstimateOf is quantileOf's estimate.
 */
import { describe, expect, it } from 'vitest';
import { quantileEstimateOf, quantileOf, viewOf } from '../../src/analysis/sample-view.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { woodruffRanks } from '../../src/stats/woodruff-ranks.ts';

describe('quantileOf at scale', () => {
  it('gives the direct order-statistic interval for every n, asked twice (the second from the cache)', () => {
    const r = seededRandom(3);
    for (let n = 1; n <= 300; n++) {
      const values = Float64Array.from({ length: n }, () => r.lognormal(4, 0.5));
      const view = viewOf({ kind: 'raw', values });
      const sorted = Float64Array.from(values).sort();
      for (const q of [0.5, 0.9, 0.99, 0.999]) {
        const { lowerIndex, upperIndex } = woodruffRanks(n, q, 0.95, 1, Infinity);
        const expected = { lower: lowerIndex >= 0 ? sorted[lowerIndex] : -Infinity, upper: upperIndex < n ? sorted[upperIndex] : Infinity };
        for (let again = 0; again < 2; again++) expect(quantileOf(view, q, 0.95)).toMatchObject(expected);
        expect(quantileEstimateOf(view, q, 0.95)).toBe(quantileOf(view, q, 0.95)?.estimate);
        // A clustered window is not served from the independent cache.
        const clustered = woodruffRanks(n, q, 0.95, 3, 10);
        expect(quantileOf(view, q, 0.95, { designEffect: 3, df: 10 })).toMatchObject({
          lower: clustered.lowerIndex >= 0 ? sorted[clustered.lowerIndex] : -Infinity,
          upper: clustered.upperIndex < n ? sorted[clustered.upperIndex] : Infinity,
        });
      }
    }
  });

  it('quantileEstimateOf is quantileOf’s estimate for histograms and empty windows too', () => {
    const histogram = viewOf({ kind: 'histogram', upperBounds: Float64Array.of(10, 20, 50, Infinity), counts: Float64Array.of(5, 30, 12, 1) });
    for (const q of [0.5, 0.9, 0.99]) expect(quantileEstimateOf(histogram, q, 0.95)).toBe(quantileOf(histogram, q, 0.95)?.estimate);
    expect(quantileEstimateOf(viewOf({ kind: 'raw', values: new Float64Array(0) }), 0.5, 0.95)).toBeNull();
  });
});
