import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../src/stats/benjamini-hochberg.ts';
import { binomialTest } from '../../src/stats/binomial-test.ts';
import { clopperPearson } from '../../src/stats/clopper-pearson.ts';
import { fisherExact } from '../../src/stats/fisher-exact.ts';
import { poissonRateTest } from '../../src/stats/poisson-rate-test.ts';
import { twoProportionTest } from '../../src/stats/two-proportion-test.ts';
import { expectClose, fixture } from './reference.ts';

type Alt = 'two-sided' | 'less' | 'greater';
const ref = fixture<{
  binomialTest: { k: number; n: number; p: number; alternative: Alt; pValue: number }[];
  clopperPearson: { k: number; n: number; confidence: number; twoSided: number[]; greater: number[]; less: number[]; proportionCi: number[] }[];
  poisson: {
    countBefore: number; exposureBefore: number; countAfter: number; exposureAfter: number; alternative: Alt;
    pValue: number; lower: number; upper: number | null; rateRatio: number | null;
  }[];
  fisher: { k1: number; n1: number; k2: number; n2: number; alternative: Alt; oddsRatio: number | null; pValue: number }[];
  twoProportion: { k1: number; n1: number; k2: number; n2: number; chi2PValue: number; z: number; greater: number; less: number }[];
  benjaminiHochberg: { p: number[]; q: number[] }[];
}>('count-tests.json');

describe('binomialTest against scipy.stats.binomtest', () => {
  it.each(ref.binomialTest)('k=$k n=$n p=$p $alternative', ({ k, n, p, alternative, pValue }) => {
    expectClose(binomialTest(k, n, p, alternative), pValue, 1e-9);
  });
});

describe('clopperPearson against scipy.stats.beta.ppf and binomtest(...).proportion_ci', () => {
  it.each(ref.clopperPearson)('k=$k n=$n confidence=$confidence', ({ k, n, confidence, twoSided, greater, less, proportionCi }) => {
    const check = (got: [number, number], want: number[], what: string) => {
      // Our root is exact to the last bit of the tail function; Boost's beta quantile is ~1e-15.
      expectClose(got[0], want[0], 1e-10, `${what} lower`);
      expectClose(got[1], want[1], 1e-10, `${what} upper`);
    };
    const two = clopperPearson(k, n, confidence);
    check(two, twoSided, 'two-sided');
    check(clopperPearson(k, n, confidence, 'greater'), greater, 'greater');
    check(clopperPearson(k, n, confidence, 'less'), less, 'less');
    // proportion_ci(method='exact') solves the same equations with brentq at an absolute xtol of 2e-12.
    expect(Math.abs(two[0] - proportionCi[0])).toBeLessThan(1e-11);
    expect(Math.abs(two[1] - proportionCi[1])).toBeLessThan(1e-11);
  });
});

describe("poissonRateTest against binomtest (R's poisson.test construction)", () => {
  it.each(ref.poisson)(
    '$countBefore/$exposureBefore vs $countAfter/$exposureAfter, $alternative',
    ({ countBefore, exposureBefore, countAfter, exposureAfter, alternative, pValue, lower, upper, rateRatio }) => {
      const r = poissonRateTest(countBefore, exposureBefore, countAfter, exposureAfter, { alternative });
      expectClose(r.pValue, pValue, 1e-9, 'pValue');
      expectClose(r.lower, lower, 1e-9, 'lower');
      expectClose(r.upper, upper === null ? Infinity : upper, 1e-9, 'upper');
      if (rateRatio === null) expect(r.rateRatio).toBeNaN();
      else expectClose(r.rateRatio, rateRatio, 1e-15, 'rateRatio');
    },
  );

  it('handles no events at all and rejects bad input', () => {
    expect(poissonRateTest(0, 10, 0, 10)).toEqual({ rateRatio: NaN, lower: 0, upper: Infinity, pValue: 1 });
    expect(() => poissonRateTest(-1, 10, 0, 10)).toThrow(/countBefore/);
    expect(() => poissonRateTest(1, 0, 0, 10)).toThrow(/exposureBefore/);
    expect(() => poissonRateTest(1, 10, 2.5, 10)).toThrow(/countAfter/);
  });

  it('is fast for counts in the tens of millions (no O(n) loops)', () => {
    const r = poissonRateTest(20_000_000, 86400, 20_010_000, 86400);
    expect(r.pValue).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(1);
  });
});

describe('fisherExact against scipy.stats.fisher_exact', () => {
  it.each(ref.fisher)('[[$k1, n1=$n1], [$k2, n2=$n2]] $alternative', ({ k1, n1, k2, n2, alternative, oddsRatio, pValue }) => {
    const r = fisherExact(k1, n1, k2, n2, { alternative });
    expectClose(r.pValue, pValue, 1e-9, 'pValue');
    if (oddsRatio === null) expect(r.oddsRatio).toBeNaN();
    else expect(r.oddsRatio).toBe(oddsRatio);
  });
});

describe('twoProportionTest against chi2_contingency(correction=False) and the normal tails', () => {
  it.each(ref.twoProportion)('$k1/$n1 vs $k2/$n2', ({ k1, n1, k2, n2, chi2PValue, z, greater, less }) => {
    expectClose(twoProportionTest(k1, n1, k2, n2).pValue, chi2PValue, 1e-9, 'two-sided');
    expectClose(twoProportionTest(k1, n1, k2, n2).z, z, 1e-13, 'z');
    expectClose(twoProportionTest(k1, n1, k2, n2, { alternative: 'greater' }).pValue, greater, 1e-12, 'greater');
    expectClose(twoProportionTest(k1, n1, k2, n2, { alternative: 'less' }).pValue, less, 1e-12, 'less');
  });

  it('returns z = 0, p = 1 when there is no variation, and rejects k > n', () => {
    expect(twoProportionTest(0, 10, 0, 20)).toEqual({ z: 0, pValue: 1, p1: 0, p2: 0 });
    expect(() => twoProportionTest(11, 10, 0, 20)).toThrow(/k1 \(11\) must not exceed n1/);
  });
});

describe('benjaminiHochberg against scipy.stats.false_discovery_control(method="bh")', () => {
  it.each(ref.benjaminiHochberg.map((c, i) => ({ ...c, i })))('case $i', ({ p, q }) => {
    const got = benjaminiHochberg(p);
    got.forEach((v, i) => expectClose(v, q[i], 1e-14, `q[${i}]`));
  });

  it('returns [] for no p-values (as R) and rejects values outside [0, 1]', () => {
    expect(benjaminiHochberg([])).toEqual([]);
    expect(() => benjaminiHochberg([0.1, Number.NaN])).toThrow(/pValues\[1\]/);
    expect(() => benjaminiHochberg([1.2])).toThrow(/pValues\[0\]/);
  });
});
