import { describe, expect, it } from 'vitest';
import { binomialCdf } from '../../src/stats/binomial-cdf.ts';
import { binomialPmf } from '../../src/stats/binomial-pmf.ts';
import { binomialSf } from '../../src/stats/binomial-sf.ts';
import { logGamma } from '../../src/stats/log-gamma.ts';
import { regularizedIncompleteBeta } from '../../src/stats/regularized-incomplete-beta.ts';
import { expectClose, fixture } from './reference.ts';

const ref = fixture<{
  logGamma: { x: number; value: number }[];
  incompleteBeta: { x: number; a: number; b: number; value: number }[];
  binomial: { k: number; n: number; p: number; pmf: number; cdf: number; sfFrom: number }[];
  binomialHard: { k: number; n: number; p: number; cdf: number; scipyCdf: number }[];
}>('distributions.json');

describe('logGamma against scipy.special.gammaln', () => {
  it.each(ref.logGamma)('x = $x', ({ x, value }) => {
    // Near the zeros of log Γ (x = 1, 2) the error is absolute, not relative.
    if (Math.abs(value) < 1) expect(Math.abs(logGamma(x) - value)).toBeLessThan(1e-14);
    else expectClose(logGamma(x), value, 1e-13);
  });
});

describe('regularizedIncompleteBeta against scipy.special.betainc', () => {
  it.each(ref.incompleteBeta)('I_$x($a, $b)', ({ x, a, b, value }) => {
    expectClose(regularizedIncompleteBeta(x, a, b), value, 1e-12);
  });

  it('rejects invalid parameters', () => {
    expect(() => regularizedIncompleteBeta(0.5, 0, 1)).toThrow(RangeError);
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/x must be in \[0, 1\]/);
  });
});

describe('binomial pmf / cdf / sf against scipy.stats.binom', () => {
  it.each(ref.binomial)('k=$k n=$n p=$p', ({ k, n, p, pmf, cdf, sfFrom }) => {
    expectClose(binomialPmf(k, n, p), pmf, 1e-12, 'pmf');
    expectClose(binomialCdf(k, n, p), cdf, 1e-11, 'cdf');
    expectClose(binomialSf(k, n, p), sfFrom, 1e-11, 'P[X >= k]');
  });

  // Boost (behind scipy.stats.binom) loses digits here; the reference is mpmath at 50 digits.
  it.each(ref.binomialHard)('k=$k n=$n p=$p against mpmath', ({ k, n, p, cdf }) => {
    expectClose(binomialCdf(k, n, p), cdf, 1e-13, 'cdf');
  });

  it('handles the edges of the support', () => {
    expect(binomialCdf(-1, 10, 0.3)).toBe(0);
    expect(binomialCdf(10, 10, 0.3)).toBe(1);
    expect(binomialSf(0, 10, 0.3)).toBe(1);
    expect(binomialSf(11, 10, 0.3)).toBe(0);
    expect(binomialCdf(0, 10, 0)).toBe(1);
    expect(binomialSf(10, 10, 1)).toBe(1);
  });

  it('rejects invalid n and p', () => {
    expect(() => binomialCdf(1, 2.5, 0.5)).toThrow(/n must be a non-negative integer/);
    expect(() => binomialSf(1, 10, 1.5)).toThrow(/p must be in \[0, 1\]/);
  });
});
