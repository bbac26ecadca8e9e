import { describe, expect, it } from 'vitest';
import { mergeSortedSamples } from '../../src/stats/merge-sorted-samples.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';

/** The textbook pooled scan: take the smaller head, finish each run of equal values, update everything. */
function pooledScan(a: Float64Array, b: Float64Array) {
  let i = 0;
  let j = 0;
  let rank = 0;
  let rankSumX = 0;
  let tieTerm = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    let cx = 0;
    let cy = 0;
    while (i < a.length && a[i] === v) {
      i++;
      cx++;
    }
    while (j < b.length && b[j] === v) {
      j++;
      cy++;
    }
    const t = cx + cy;
    rankSumX += cx * (rank + (t + 1) / 2);
    if (t > 1) tieTerm += t * t * t - t;
    rank += t;
    const diff = i / a.length - j / b.length;
    maxDiff = Math.max(maxDiff, diff);
    minDiff = Math.min(minDiff, diff);
  }
  return { u: rankSumX - (a.length * (a.length + 1)) / 2, tieTerm, maxDiff, minDiff };
}

describe('mergeSortedSamples (one x-driven merge for both rank tests)', () => {
  it('equals the pooled scan bit for bit on tie-heavy, one-sided and interleaved samples', () => {
    const r = seededRandom(11);
    for (let c = 0; c < 300; c++) {
      const levels = [1, 3, 40, 1e9][c % 4];
      const shift = [0, 0.5, -levels, levels][Math.floor(c / 4) % 4];
      const draw = () => Math.floor(r.uniform() * levels);
      const a = Float64Array.from({ length: 1 + Math.floor(r.uniform() * 80) }, draw).sort();
      const b = Float64Array.from({ length: 1 + Math.floor(r.uniform() * 80) }, () => draw() + shift).sort();
      expect(mergeSortedSamples(a, b)).toEqual(pooledScan(a, b));
    }
  });

  it('handles samples that do not overlap at all', () => {
    expect(mergeSortedSamples(Float64Array.of(1, 2), Float64Array.of(5, 5, 6))).toEqual({ u: 0, tieTerm: 6, maxDiff: 1, minDiff: 0 });
    expect(mergeSortedSamples(Float64Array.of(5, 6), Float64Array.of(1, 1))).toEqual({ u: 4, tieTerm: 6, maxDiff: 0, minDiff: -1 });
  });
});
