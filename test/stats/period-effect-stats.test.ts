/**
 * Fisher's F survival function against SciPy 1.17 and the Cauchy combination test against its definition in
 * NumPy (scripts/reference/make_period_effect_reference.py → fixtures/period-effect.json): the two pieces of the
 * seasonal baseline's period-effect check (analysis/period-effect.ts).
 */
import { describe, expect, it } from 'vitest';
import { cauchyCombination, fisherFSf } from '../../src/stats/index.ts';
import { expectClose, fixture } from './reference.ts';

const ref = fixture<{ fSf: [number, number, number, number][]; cauchy: { p: number[]; combined: number }[] }>('period-effect.json');

describe('fisherFSf (scipy.stats.f.sf)', () => {
  it.each(ref.fSf)('P[F > %d] on (%d, %d) df', (x, d1, d2, expected) => {
    expectClose(fisherFSf(x, d1, d2), expected, 1e-11, `f.sf(${x}, ${d1}, ${d2})`);
  });
  it('is 1 at x ≤ 0, 0 at ∞, and refuses non-positive or infinite df', () => {
    expect(fisherFSf(0, 2, 5)).toBe(1);
    expect(fisherFSf(Infinity, 2, 5)).toBe(0);
    expect(() => fisherFSf(1, 0, 5)).toThrow(RangeError);
    expect(() => fisherFSf(1, 2, Infinity)).toThrow(RangeError);
  });
});

describe('cauchyCombination (Liu & Xie 2020)', () => {
  it.each(ref.cauchy.map((c, i) => [i, c] as const))('case %i', (_, c) => {
    expectClose(cauchyCombination(c.p), c.combined, 1e-12, `cauchy(${c.p.length} p-values)`);
  });
  it('a single p-value is returned as it is; equal ones combine to themselves; a zero wins', () => {
    expectClose(cauchyCombination([0.37]), 0.37, 1e-14);
    expectClose(cauchyCombination([0.2, 0.2, 0.2]), 0.2, 1e-14);
    expect(cauchyCombination([0, 0.9])).toBe(0);
  });
  it('refuses p-values outside [0, 1], no p-values, and mismatched or zero weights', () => {
    expect(() => cauchyCombination([])).toThrow(RangeError);
    expect(() => cauchyCombination([1.2])).toThrow(RangeError);
    expect(() => cauchyCombination([0.1, 0.2], [1])).toThrow(RangeError);
    expect(() => cauchyCombination([0.1], [0])).toThrow(RangeError);
  });
});
