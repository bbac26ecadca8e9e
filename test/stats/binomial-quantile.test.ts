import { describe, it, expect } from 'vitest';
import { binomialQuantile } from '../../src/stats/binomial-quantile.ts';
import { fixture } from './reference.ts';

const ref = fixture<{ binomialQuantile: { n: number; p: number; prob: number; ppf: number; isf: number }[] }>('distributions.json');

describe('binomialQuantile against scipy.stats.binom.ppf / isf', () => {
  it.each(ref.binomialQuantile)('n=$n p=$p prob=$prob', ({ n, p, prob, ppf, isf }) => {
    expect(binomialQuantile(prob, n, p, false)).toBe(ppf);
    expect(binomialQuantile(prob, n, p, true)).toBe(isf);
  });
});
