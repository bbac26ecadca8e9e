// Every @example in src/stats states a literal output; this file runs each one so the docs cannot drift.
import { describe, expect, it } from 'vitest';
import * as s from '../../src/stats/index.ts';
import { assertBinomial } from '../../src/stats/binomial-args.ts';
import { binomialDeviance } from '../../src/stats/binomial-deviance.ts';
import { binomialTail } from '../../src/stats/binomial-tail.ts';
import { assertHistogram } from '../../src/stats/assert-histogram.ts';
import { sortedSample } from '../../src/stats/assert-sample.ts';
import { rankToValue } from '../../src/stats/histogram-quantile.ts';
import { incompleteBetaPair } from '../../src/stats/incomplete-beta-pair.ts';
import { ksExactPValue } from '../../src/stats/ks-exact-p-value.ts';
import { countLessOrEqual, smallestDifferenceAbove } from '../../src/stats/kth-pairwise-difference.ts';
import { normalTails } from '../../src/stats/normal-tails.ts';
import { rankSumNormal } from '../../src/stats/rank-sum-normal.ts';
import { searchPmfBoundary } from '../../src/stats/search-pmf-boundary.ts';
import { stirlingError } from '../../src/stats/stirling-error.ts';
import { checkGroup } from '../../src/stats/two-proportion-test.ts';

describe('JSDoc @example outputs', () => {
  it('distributions', () => {
    expect(normalTails(-1)).toEqual([0.15865525393145705, 0.8413447460685429]);
    expect(s.normalCdf(1.959963984540054)).toBe(0.975);
    expect(s.normalCdf(-10)).toBe(7.619853024160527e-24);
    expect(s.normalSf(10)).toBe(7.619853024160527e-24);
    expect(s.normalQuantile(0.975)).toBe(1.959963984540054);
    expect(s.normalQuantile(0)).toBe(-Infinity);
    expect(s.logGamma(10)).toBe(12.801827480081469);
    expect(stirlingError(1)).toBe(0.08106146679532726);
    expect(binomialDeviance(10, 10)).toBe(0);
    expect(s.binomialPmf(3, 10, 0.5)).toBe(0.11718750000000014);
    expect(incompleteBetaPair(2, 3, 0.4, 0.6)).toEqual([0.5247999999999998, 0.4752000000000002]);
    expect(s.regularizedIncompleteBeta(0.4, 2, 3)).toBe(0.5247999999999998);
    expect(s.binomialCdf(3, 10, 0.5)).toBe(0.1718750000000002);
    expect(s.binomialSf(7, 10, 0.5)).toBe(0.1718750000000002);
    expect(binomialTail(3, 10, 0.5, false)).toBe(0.1718750000000002);
    expect(s.binomialQuantile(0.025, 100, 0.5, false)).toBe(40);
    expect(s.smirnovSf(10, 0.3)).toBe(0.13546355559999992);
    expect(s.kolmogorovSf(10, 0.3)).toBe(0.27053557479999946);
    expect(s.hypergeometric(10, 10, 10).pmf(5)).toBe(0.3437182013033407);
    expect(assertBinomial(10, 0.5)).toBeUndefined();
  });

  it('rank tests', () => {
    expect(rankSumNormal({ rankSumX: 4, n1: 2, n2: 2, tieTerm: 0, alternative: 'two-sided', continuity: true })).toEqual({
      u: 1,
      z: -0.3872983346207417,
      pValue: 0.6985353583033387,
    });
    expect(s.mannWhitneyU([1, 2, 3, 4], [3, 5, 6, 7, 8])).toEqual({ u: 1.5, z: -1.9678081480578906, pValue: 0.04909011632260757 });
    expect(s.mannWhitneyUBinned([2, 1, 1], [0, 2, 3])).toEqual({ u: 4.5, z: -1.3093073414159544, pValue: 0.19043026382552405 });
    expect(ksExactPValue(3, 3, 1, 'two-sided')).toEqual({ success: true, d: 1, pValue: 0.09999999999999999 });
    expect(s.ksTwoSample([1, 2, 3, 4], [3, 5, 6, 7, 8])).toEqual({ d: 0.8, pValue: 0.07936507936507936, method: 'exact' });
    expect(s.kthPairwiseDifference(new Float64Array([1, 5]), new Float64Array([0, 2]), 2)).toBe(1);
    expect(s.hodgesLehmann([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])).toEqual({
      estimate: -10,
      lower: -13,
      upper: -7,
    });
    expect(sortedSample([3, 1, 2], 'x')).toEqual(new Float64Array([1, 2, 3]));
    expect(s.sortFloat64([3, -1, 2.5, -0, 0])).toEqual(new Float64Array([-1, -0, 0, 2.5, 3]));
    expect(countLessOrEqual(new Float64Array([1, 5]), new Float64Array([0, 2]), 1)).toBe(2);
    expect(smallestDifferenceAbove(new Float64Array([1, 5]), new Float64Array([0, 2]), 1)).toBe(3);
  });

  it('quantiles and histograms', () => {
    expect(s.orderStatisticRanks(100, 0.5, 0.95)).toEqual({ lowerIndex: 39, upperIndex: 60 });
    expect(s.quantileCI([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toEqual({ estimate: 5.5, lower: 2, upper: 9, lowerRank: 1, upperRank: 8 });
    expect(s.typeSevenQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(s.typeSevenPosition(4, 0.5)).toEqual({ prev: 1, next: 2, gamma: 0.5 });
    expect(s.numpyLerp(1, 2, 0.25)).toBe(1.25);
    expect(s.quantileCIUnsorted([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.5)).toEqual({ estimate: 5.5, lower: 2, upper: 9, lowerRank: 1, upperRank: 8 });
    expect(s.logBucketBounds({ min: 1, max: 100, perDecade: 2 })).toEqual(new Float64Array([1, 3.1622776601683795, 10, 31.622776601683793, 100, Infinity]));
    expect(s.bucketIndex(new Float64Array([1, 10, 100, Infinity]), 10)).toBe(1);
    expect(s.histogramQuantile([10, 20, 40, Infinity], [5, 10, 4, 1], 0.5)).toBe(15);
    expect(rankToValue([10, 20], [5, 5], 7.5, 0)).toEqual({ value: 15, bucket: 1, lo: 10, hi: 20 });
    expect(s.histogramQuantileCI([10, 20, 40, Infinity], [50, 100, 40, 10], 0.5)).toEqual({ estimate: 15, lower: 13.6, upper: 16.5, resolution: 0.5 });
    expect(assertHistogram([1, 2, Infinity], [3, 0, 1], 0)).toBe(4);
  });

  it('count tests and FDR', () => {
    expect(s.binomialTest(3, 15, 0.1, 'greater')).toBe(0.18406106910639103);
    expect(s.clopperPearson(3, 15, 0.95)).toEqual([0.043312005105836625, 0.4808911338068531]);
    expect(s.poissonRateTest(10, 100, 25, 100)).toEqual({
      rateRatio: 2.5,
      lower: 1.1596189735922389,
      upper: 5.8327132003357205,
      pValue: 0.01667384780012069,
    });
    expect(s.twoProportionTest(30, 100, 15, 100)).toEqual({ z: 2.5400025400038095, pValue: 0.011085166380602708, p1: 0.3, p2: 0.15 });
    expect(s.fisherExact(8, 10, 2, 10)).toEqual({ oddsRatio: 16, pValue: 0.023014137565221113 });
    expect(searchPmfBoundary((x) => x * x, 10, 0, 5)).toBe(3);
    expect(s.benjaminiHochberg([0.01, 0.04, 0.03, 0.2])).toEqual([0.04, 0.05333333333333333, 0.05333333333333333, 0.2]);
    expect(checkGroup(3, 10, 1)).toBeUndefined();
  });

  it('sequential and change points (issue 11)', () => {
    expect(s.msprtNormalMixture(0.2, 0.01, 0.01)).toBe(1.9221155140795583);
    expect(s.msprtBoundary(0.01, 0.01, 0.05)).toBe(0.36563948713638483);
    expect(s.singleChangePoint([1, 0, 1, 1, 6, 5, 7, 6], [50, 50, 50, 50, 50, 50, 50, 50], { family: 'binomial' })).toEqual({
      index: 4,
      rateBefore: 0.015,
      rateAfter: 0.12,
      logLikelihoodRatio: 9.887972797171514,
      interval: [3, 4],
      cutoff: 3.6761383470778695,
    });
  });

  it('clustered inference (issue 10)', () => {
    expect(s.studentTSf(2.0, 10)).toBe(0.03669401738537021);
    expect(s.studentTSf(-1.5, 3.5)).toBe(0.8910909064923271);
    expect(s.studentTQuantile(0.975, 10)).toBe(2.228138851986274);
    expect(s.studentTQuantile(0.025, 4.5)).toBe(-2.658912347204403);
    expect(s.flatTopLagWindow(0.25)).toBe(1);
    expect(s.flatTopLagWindow(0.75)).toBe(0.5);
    expect(s.flatTopBandwidth([[1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1]])).toBe(5);
    expect(s.longRunVariance([1, 2, 3, 2, 1, 2, 3, 2], 2)).toEqual({ longRunVariance: 0.5, varianceOfSum: 4, varianceOfSumCorrected: 6.4, degreesOfFreedom: 2.6666666666666665 });
    expect(s.welchSatterthwaiteDf([2, 1], [9, 4])).toBe(12.96);
    expect(s.welchSatterthwaiteDf([2, 1], [Infinity, Infinity])).toBe(Infinity);
    expect(s.woodruffRanks(100, 0.5, 0.95, 1, Infinity)).toEqual({ lowerIndex: 39, upperIndex: 60 });
    expect(s.woodruffRanks(1000, 0.9, 0.95, 4, 12)).toEqual({ lowerIndex: 857, upperIndex: 942 });
    expect(s.raoScottTwoProportionTest({ k: 30, n: 100, designEffect: 1, df: Infinity }, { k: 15, n: 100, designEffect: 1, df: Infinity })).toEqual({
      z: 2.5400025400038095,
      pValue: 0.011085166380602708,
      df: Infinity,
      p1: 0.3,
      p2: 0.15,
    });
    expect(s.raoScottRateTest({ k: 10, n: 100, designEffect: 1, df: Infinity }, { k: 25, n: 100, designEffect: 1, df: Infinity })).toEqual({
      rateRatio: 2.5,
      lower: 1.1596189735922389,
      upper: 5.8327132003357205,
      pValue: 0.01667384780012069,
      df: Infinity,
      method: 'exact-poisson',
    });
    expect(s.mannWhitneyPlacements([1, 2, 3, 4], [3, 5, 6, 7, 8])).toEqual({
      placementsX: Float64Array.from([0, 0, 0.1, 0.2]),
      placementsY: Float64Array.from([0.375, 0, 0, 0, 0]),
      auc: 0.07500000000000001,
    });
    expect(s.burstScan([4, 5, 3, 40, 4, 6, 5, 4, 3, 5, 4, 6], new Array(12).fill(400), { maxRunLength: 2, alpha: 0.01, variance: 'binomial' }).bursts).toEqual([
      { start: 3, stop: 4, events: 40, expected: 4.454545454545455, ratio: 8.979591836734693, z: 8.436795861519197, pValue: 3.7507869438792303e-16 },
    ]);
    expect(s.histogramQuantileInterval([10, 20, 40, Infinity], [50, 100, 40, 10], 0.5, { lowerIndex: 85, upperIndex: 114 })).toEqual({
      estimate: 15,
      lower: 10,
      upper: 20,
      estimateLow: 10,
      estimateHigh: 20,
      resolution: 0.5,
    });
  });
});
