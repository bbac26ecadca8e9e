import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { sortFloat64 } from '../../src/stats/sort-float64.ts';

describe('sortFloat64 (radix sort on IEEE-754 keys)', () => {
  it('orders exactly like Float64Array.prototype.sort, including signs, zeros, subnormals and infinities', () => {
    const r = seededRandom(3);
    const gens = [() => r.lognormal(4, 1), () => r.normal() * 1e300, () => Math.round(r.normal() * 3), () => (r.uniform() < 0.5 ? -0 : 0)];
    for (const gen of gens) {
      const x = Float64Array.from({ length: 50_000 }, gen);
      x.set([Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, -0, Number.MAX_VALUE, -Number.MAX_VALUE], 100);
      const got = sortFloat64(x);
      const want = Float64Array.from(x).sort();
      for (let i = 0; i < got.length; i++) {
        if (!Object.is(got[i], want[i])) throw new Error(`index ${i}: ${got[i]} vs ${want[i]}`);
      }
    }
  });

  it('leaves the input alone and handles short and constant inputs', () => {
    const x = [3, -1, 2.5, -0, 0];
    expect(sortFloat64(x)).toEqual(new Float64Array([-1, -0, 0, 2.5, 3]));
    expect(x).toEqual([3, -1, 2.5, -0, 0]);
    expect(sortFloat64(new Float64Array(10_000).fill(7)).every((v) => v === 7)).toBe(true);
    expect(sortFloat64([]).length).toBe(0);
  });
});
