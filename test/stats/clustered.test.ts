/**
 * The clustered-inference functions of issue 10 against test/stats/fixtures/clustered.json, written by
 * scripts/reference/make_clustered_reference.py: SciPy 1.17 for Student's t, and for the rest an independent
 * NumPy re-implementation of the published definitions (flat-top bandwidth rule and long-run variance,
 * Woodruff ranks, Rao–Scott tests, DeLong placements, the burst scan, edge-bounded histogram intervals).
 */
import { describe, expect, it } from 'vitest';
import {
  burstScan,
  flatTopBandwidth,
  histogramQuantileInterval,
  longRunVariance,
  mannWhitneyPlacements,
  raoScottRateTest,
  raoScottTwoProportionTest,
  studentTQuantile,
  studentTSf,
  welchSatterthwaiteDf,
  woodruffRanks,
  type Alternative,
} from '../../src/stats/index.ts';
import { expectClose, fixture } from './reference.ts';

interface Ref {
  studentT: { sf: Array<{ t: number; df: number; sf: number }>; ppf: Array<{ p: number; df: number; ppf: number }> };
  dependence: Array<{ label: string; series: number[][]; bandwidth: number; lrv: LrvRef[]; lrvAt: Record<string, LrvRef> }>;
  counts: {
    woodruff: Array<{ n: number; q: number; confidence: number; designEffect: number; df: number; lowerIndex: number; upperIndex: number }>;
    raoScottProportion: Array<{ g1: number[]; g2: number[]; alternative: Alternative; z: number; pValue: number; df: number }>;
    raoScottRate: Array<{ before: number[]; after: number[]; confidence: number; rateRatio: number; lower: number; upper: number; pValue: number; df: number }>;
    satterthwaite: Array<{ variances: number[]; dfs: number[]; df: number }>;
  };
  placements: Array<{ x: number[]; y: number[]; placementsX: number[]; placementsY: number[]; auc: number }>;
  bursts: Array<{ label: string; events: number[]; trials: number[]; variance: 'binomial' | 'poisson'; maxRunLength: number; alpha: number; bursts: BurstRef[]; dispersion: number; dispersionByLength: number[]; more: boolean; candidates: number }>;
  histogramIntervals: Array<{ upperBounds: number[]; counts: number[]; q: number; lowerIndex: number; upperIndex: number; lower: number; upper: number; estimateLow: number; estimateHigh: number }>;
}
interface LrvRef {
  longRunVariance: number;
  varianceOfSum: number;
  varianceOfSumCorrected: number;
  degreesOfFreedom: number;
}
interface BurstRef {
  start: number;
  stop: number;
  events: number;
  expected: number;
  ratio: number;
  z: number;
  pValue: number;
}

const ref = fixture<Ref>('clustered.json');
const group = (g: number[]) => ({ k: g[0], n: g[1], designEffect: g[2], df: g[3] });

describe("Student's t (SciPy)", () => {
  it('sf', () => {
    for (const r of ref.studentT.sf) expectClose(studentTSf(r.t, r.df), r.sf, 1e-10, `sf(${r.t}, ${r.df})`);
  });
  it('ppf', () => {
    for (const r of ref.studentT.ppf) expectClose(studentTQuantile(r.p, r.df), r.ppf, 1e-10, `ppf(${r.p}, ${r.df})`);
  });
  it('Infinity degrees of freedom is the normal distribution', () => {
    expect(studentTSf(1.959963984540054, Infinity)).toBeCloseTo(0.025, 15);
    expect(studentTQuantile(0.975, Infinity)).toBe(1.959963984540054);
  });
});

describe('flat-top bandwidth and long-run variance', () => {
  it.each(ref.dependence.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    expect(flatTopBandwidth(c.series)).toBe(c.bandwidth);
    c.series.forEach((s, i) => {
      const got = longRunVariance(s, c.bandwidth);
      expectClose(got.longRunVariance, c.lrv[i].longRunVariance, 1e-10, 'lrv');
      expectClose(got.varianceOfSum, c.lrv[i].varianceOfSum, 1e-10, 'varianceOfSum');
      expectClose(got.varianceOfSumCorrected, c.lrv[i].varianceOfSumCorrected, 1e-10, 'varianceOfSumCorrected');
      expectClose(got.degreesOfFreedom, c.lrv[i].degreesOfFreedom, 1e-12, 'df');
    });
    for (const [m, r] of Object.entries(c.lrvAt)) {
      const got = longRunVariance(c.series[0], Number(m));
      expectClose(got.longRunVariance, r.longRunVariance, 1e-10, `lrv at M=${m}`);
      expectClose(got.degreesOfFreedom, r.degreesOfFreedom, 1e-12, `df at M=${m}`);
    }
  });
  it('adapts to the dependence: none for independent noise, past the block length for 10-interval blocks', () => {
    const get = (label: string) => ref.dependence.find((c) => c.label === label)!.bandwidth;
    expect(get('iid-120')).toBeLessThanOrEqual(4);
    expect(get('blocks-10')).toBeGreaterThanOrEqual(10);
  });
});

describe('Rao–Scott, Woodruff and Satterthwaite', () => {
  it('Welch–Satterthwaite degrees of freedom', () => {
    for (const r of ref.counts.satterthwaite) expectClose(welchSatterthwaiteDf(r.variances, r.dfs), r.df, 1e-12);
  });
  it('Woodruff ranks', () => {
    for (const r of ref.counts.woodruff) {
      expect(woodruffRanks(r.n, r.q, r.confidence, r.designEffect, r.df), JSON.stringify(r)).toEqual({ lowerIndex: r.lowerIndex, upperIndex: r.upperIndex });
    }
  });
  it('two proportions', () => {
    for (const r of ref.counts.raoScottProportion) {
      const got = raoScottTwoProportionTest(group(r.g1), group(r.g2), { alternative: r.alternative });
      expectClose(got.z, r.z, 1e-12, 'z');
      expectClose(got.pValue, r.pValue, 1e-9, 'p');
      expectClose(got.df, r.df, 1e-12, 'df');
    }
  });
  it('rates (score form)', () => {
    for (const r of ref.counts.raoScottRate) {
      const got = raoScottRateTest(group(r.before), group(r.after), { confidence: r.confidence });
      expect(got.method).toBe('score-t');
      for (const k of ['rateRatio', 'lower', 'upper', 'pValue', 'df'] as const) expectClose(got[k], r[k], 1e-9, k);
    }
  });
});

describe('DeLong placements (brute force over all pairs)', () => {
  it.each(ref.placements.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const got = mannWhitneyPlacements(c.x, c.y);
    c.placementsX.forEach((p, i) => expectClose(got.placementsX[i], p, 1e-14, `x${i}`));
    c.placementsY.forEach((p, j) => expectClose(got.placementsY[j], p, 1e-14, `y${j}`));
    expectClose(got.auc, c.auc, 1e-12, 'auc');
  });
});

describe('burst scan (brute force)', () => {
  it.each(ref.bursts.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const got = burstScan(c.events, c.trials, { maxRunLength: c.maxRunLength, alpha: c.alpha, variance: c.variance });
    expectClose(got.dispersion, c.dispersion, 1e-12, 'dispersion');
    c.dispersionByLength.forEach((d, i) => expectClose(got.dispersionByLength[i], d, 1e-12, `dispersion at length ${i + 1}`));
    expect(got.more).toBe(c.more);
    expect(got.candidates).toBe(c.candidates);
    expect(got.bursts.map((b) => [b.start, b.stop, b.events])).toEqual(c.bursts.map((b) => [b.start, b.stop, b.events]));
    got.bursts.forEach((b, i) => {
      expectClose(b.expected, c.bursts[i].expected, 1e-12, 'expected');
      expectClose(b.z, c.bursts[i].z, 1e-10, 'z');
      expectClose(b.pValue, c.bursts[i].pValue, 1e-6, 'p');
    });
  });
});

describe('edge-bounded histogram quantile interval', () => {
  it('bounds are the far edges of the buckets of the bounding order statistics', () => {
    for (const r of ref.histogramIntervals) {
      const got = histogramQuantileInterval(r.upperBounds, r.counts, r.q, { lowerIndex: r.lowerIndex, upperIndex: r.upperIndex });
      expect({ lower: got.lower, upper: got.upper, estimateLow: got.estimateLow, estimateHigh: got.estimateHigh }).toEqual({
        lower: r.lower, upper: r.upper, estimateLow: r.estimateLow, estimateHigh: r.estimateHigh,
      });
    }
  });
});

describe('Rao–Scott tests with one shared variance estimate (options.df)', () => {
  it('the given df replaces the Welch–Satterthwaite combination, which would count one estimate twice', () => {
    const a = { k: 60, n: 1000, designEffect: 4, df: 6 };
    const b = { k: 30, n: 1000, designEffect: 4, df: 6 };
    const ws = raoScottTwoProportionTest(a, b);
    expect(ws.df).toBeCloseTo(12, 9); // equal variances, 6 df each
    const joint = raoScottTwoProportionTest(a, b, { df: 6 });
    expect(joint.df).toBe(6);
    expect(joint.z).toBe(ws.z);
    expect(joint.pValue).toBeGreaterThan(ws.pValue);
    expect(() => raoScottTwoProportionTest(a, b, { df: 0 })).toThrow(/df must be > 0/);
  });

  it('rates: with df given the score-t form is used even at design effects of 1 (the variance is estimated)', () => {
    const before = { k: 100, n: 1000, designEffect: 1, df: 2 };
    const after = { k: 150, n: 1000, designEffect: 1, df: 2 };
    expect(raoScottRateTest(before, after).method).toBe('exact-poisson');
    const r = raoScottRateTest(before, after, { df: 2 });
    expect(r).toMatchObject({ method: 'score-t', df: 2 });
    expect(r.pValue).toBeGreaterThan(raoScottRateTest(before, after).pValue);
  });
});
