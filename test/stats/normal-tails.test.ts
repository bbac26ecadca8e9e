import { describe, expect, it } from 'vitest';
import { normalCdf } from '../../src/stats/normal-cdf.ts';
import { normalQuantile } from '../../src/stats/normal-quantile.ts';
import { normalSf } from '../../src/stats/normal-sf.ts';
import { expectClose, fixture } from './reference.ts';

const ref = fixture<{
  normal: { x: number; cdf: number; sf: number; mpCdf: number; mpSf: number }[];
  normalQuantile: { p: number; x: number }[];
}>('distributions.json');

describe('normalCdf / normalSf (Cody) against scipy.stats.norm', () => {
  it.each(ref.normal)('x = $x', ({ x, cdf, sf, mpCdf, mpSf }) => {
    // Against mpmath (exact): ~1e-15 relative even at 1e-300. SciPy's ndtr itself is off by up to
    // 1.1e-13 that far out (x = 37), hence the looser bound against SciPy. Both flush below DBL_MIN to 0.
    const flush = (v: number) => (v < 2.2250738585072014e-308 ? 0 : v);
    expectClose(normalCdf(x), flush(mpCdf), 2e-15, 'cdf vs mpmath');
    expectClose(normalSf(x), flush(mpSf), 2e-15, 'sf vs mpmath');
    expectClose(normalCdf(x), cdf, 1e-12, 'cdf vs SciPy');
    expectClose(normalSf(x), sf, 1e-12, 'sf vs SciPy');
  });

  it('keeps full relative accuracy far in the tails', () => {
    expect(normalSf(10)).toBe(7.619853024160527e-24);
    expect(normalCdf(-10)).toBe(7.619853024160527e-24);
    expect(normalSf(-40)).toBe(1);
    expect(normalSf(40)).toBe(0);
  });
});

describe('normalQuantile (Acklam + Halley) against scipy.stats.norm.ppf', () => {
  it.each(ref.normalQuantile)('p = $p', ({ p, x }) => {
    expectClose(normalQuantile(p), x, 1e-14, 'quantile');
  });

  it('round-trips through the tails', () => {
    for (const p of [1e-300, 1e-100, 1e-15, 0.3]) expectClose(normalCdf(normalQuantile(p)), p, 1e-13, `p=${p}`);
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(/p must be in \[0, 1\]/);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });
});
