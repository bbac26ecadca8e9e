/**
 * The fast subset of the calibration suite (issue 10 item 5): a few families over SEEDS seeds each, through the
 * generator → WindowBuilder → analyze() with the shipped settings, asserting the targets. The full
 * version (every family, 100 seeds, the 4-endpoint and 200-endpoint worlds, side by side with a Kayenta-style
 * judge) is `npm run bench -- calibration`.
 *
 * The worlds are those of families.ts (four endpoints, the big one with 50 k requests per 2 h window, two
 * upstreams), so the report-level rates are the bench's; only the seed counts are smaller. An extreme family
 * (the after-window incident) gets fewer seeds: a handful tells 98 % from 5 %.
 *
 * Tolerances are binomial, one-sided at α = 5 %, stated per target: for "rate ≤ p0" the assertion fails when
 * P[Bin(SEEDS, p0) ≥ k] < α for the observed count k; for "rate ≥ p0" when P[Bin(SEEDS, p0) ≤ k] < α. So an
 * implementation exactly at a target fails a given seed set with probability ≤ 5 %; the seeds are fixed, so the
 * outcome is reproducible, and the bounds are not fitted to these seeds.
 *
 * Several of these assertions failed on the analysis before issue 10 (they were the bug it fixed: clustered
 * blocks, incidents, bursty retries); they were written first, marked `it.fails`, and now hold unmarked.
 */
import { describe, expect, it } from 'vitest';
import { analysisSettings, loadConfig } from '../../src/config.ts';
import { maxCount, minCount } from './binomial-bounds.ts';
import { runFamily, type FamilyResult, type Rate } from './calibration-run.ts';
import { family } from './families.ts';

const SEEDS = 24;
/** Seeds per family where SEEDS would be more than the question needs. */
const SEEDS_FOR: Record<string, number> = {
  'incident-after': 12,
  'retries×2-independent': 16,
  'daily-queueing': 12,
  'daily-queueing-p99+20%-seasonal-7d': 16,
  // 15 days of telemetry per seed (≈ 7 s): 12 seeds; the 100-seed figures are in the README
  'daily-queueing-steady-p99+20%-seasonal-3d-of-14d': 12,
  'daily-queueing-seasonal-3d-of-14d': 12,
};
const TIMEOUT_MS = 240_000;
const settings = analysisSettings(loadConfig());

const cache = new Map<string, FamilyResult>();
function result(name: string): FamilyResult {
  let r = cache.get(name);
  if (!r) {
    r = runFamily(family(name), { seeds: SEEDS_FOR[name] ?? SEEDS, settings, kayenta: false });
    cache.set(name, r);
  }
  return r;
}

function describeRate(r: Rate): string {
  return `${r.k}/${r.n}`;
}

function expectAtMost(r: Rate, p0: number, what: string): void {
  const max = maxCount(r.n, p0);
  expect(r.k, `${what}: ${describeRate(r)} (allowed ≤ ${max} for a rate ≤ ${p0})`).toBeLessThanOrEqual(max);
}

function expectAtLeast(r: Rate, p0: number, what: string): void {
  const min = minCount(r.n, p0);
  expect(r.k, `${what}: ${describeRate(r)} (needed ≥ ${min} for a rate ≥ ${p0})`).toBeGreaterThanOrEqual(min);
}

function coverageOf(name: string, statistic: string): Rate {
  const c = result(name).coverage.find((x) => x.statistic.endsWith(` ${statistic}`));
  if (!c) throw new Error(`${name}: no coverage for ${statistic}`);
  return c.covered;
}

describe('calibration (fast subset): no-change report-level fail rate ≤ 5 %', () => {
  it('independent requests', () => expectAtMost(result('independent').aftershock.fail, 0.05, 'fail'), TIMEOUT_MS);
  it('10-minute block effects, s = 0.15', () => expectAtMost(result('block-10m-s0.15').aftershock.fail, 0.05, 'fail'), TIMEOUT_MS);
  it('a 3-minute incident in the after window', () => expectAtMost(result('incident-after').aftershock.fail, 0.05, 'fail'), TIMEOUT_MS);
  it('bursty retries (1 % mean, 5 % of minutes at 15 %)', () => expectAtMost(result('bursty-retries').aftershock.fail, 0.05, 'fail'), TIMEOUT_MS);
});

describe('calibration (fast subset): 95 % intervals of relativeChange cover the truth near nominally', () => {
  it('independent requests: p50, p99, retries per call', () => {
    for (const s of ['p50', 'p99', 'retries_per_call']) expectAtLeast(coverageOf('independent', s), 0.95, `coverage ${s}`);
  }, TIMEOUT_MS);
  // 1-minute blocks: the power families below carry them (s = 0.08); p50 is unchanged there (truth 0)
  it('1-minute block effects, s = 0.08: p50', () => expectAtLeast(coverageOf('p99+20%-block-1m-s0.08', 'p50'), 0.95, 'coverage p50'), TIMEOUT_MS);
  it('10-minute block effects, s = 0.15: p50', () => expectAtLeast(coverageOf('block-10m-s0.15', 'p50'), 0.95, 'coverage p50'), TIMEOUT_MS);
  it('10-minute block effects, s = 0.15: p99', () => expectAtLeast(coverageOf('block-10m-s0.15', 'p99'), 0.95, 'coverage p99'), TIMEOUT_MS);
  it('bursty retries: retries per call', () => expectAtLeast(coverageOf('bursty-retries', 'retries_per_call'), 0.95, 'coverage retries'), TIMEOUT_MS);
  it('1-minute block effects, s = 0.08: p99 at its true change of +20 %', () => expectAtLeast(coverageOf('p99+20%-block-1m-s0.08', 'p99'), 0.95, 'coverage p99'), TIMEOUT_MS);
  it('1-minute block effects, s = 0.08: p99 at its true change of +12 % (slowest 2 %)', () => {
    expectAtLeast(coverageOf('slowest2%+12%-block-1m-s0.08', 'p99'), 0.95, 'coverage p99');
  }, TIMEOUT_MS);
});

describe('calibration (fast subset): power on the big endpoint with 1-minute block noise (s = 0.08)', () => {
  it('+20 % at p99: ≥ 95 % of reports fail on /checkout p99', () => {
    expectAtLeast(result('p99+20%-block-1m-s0.08').aftershock.power as Rate, 0.95, 'power');
  }, TIMEOUT_MS);
  it('+12 % at p99 from the slowest 2 %: ≥ 80 %', () => {
    expectAtLeast(result('slowest2%+12%-block-1m-s0.08').aftershock.power as Rate, 0.8, 'power');
  }, TIMEOUT_MS);
  it('retries per call doubled (independent retries): ≥ 95 % caught', () => {
    expectAtLeast(result('retries×2-independent').aftershock.power as Rate, 0.95, 'power');
  }, TIMEOUT_MS);
});

describe('calibration (fast subset): baselines (issue 11) on the daily cycle', () => {
  it('before/after is confounded by the daily cycle: the queueing tail fails no-change reports (≥ 95 %)', () => expectAtLeast(result('daily-queueing').aftershock.fail, 0.95, 'fail'), TIMEOUT_MS);
  it('seasonal (3 reference days as clusters), latency ∝ load^0.3: no-change fail rate ≤ 5 %', () => expectAtMost(result('daily-seasonal').aftershock.fail, 0.05, 'fail'), TIMEOUT_MS);
  it('seasonal, with the queueing tail: no-change fail rate ≤ 5 %', () => expectAtMost(result('daily-queueing-seasonal').aftershock.fail, 0.05, 'fail'), TIMEOUT_MS);
  // Was it.fails at 3/16: the after window's own block variance read the daily load trend inside the clock window
  // as dependence (design effects 15–45, 2–3 df); now it is one more period predicted from the reference periods
  // (design-effect.ts). 14/16 here, 88 % over 40 seeds in the bench: t(6) and the report's false-discovery control
  // over every finding are what is left between a +20 % p99 and the day-to-day variation of the queueing tail.
  it('seasonal, 7 reference days: +20 % at p99 caught on /checkout p99 (≥ 95 %)', () => expectAtLeast(result('daily-queueing-p99+20%-seasonal-7d').aftershock.power!, 0.95, 'power'), TIMEOUT_MS);
  // The shipped default: 3 baseline days, the day-to-day variation over 14 (a variance history, t(13)): the issue's
  // own case (days alike) is caught, and with a 3 % day-to-day effect no-change reports still do not fail.
  it('seasonal default (3 days, variance over 14), steady days: +20 % at p99 caught (≥ 95 %)', () => expectAtLeast(result('daily-queueing-steady-p99+20%-seasonal-3d-of-14d').aftershock.power!, 0.95, 'power'), 2 * TIMEOUT_MS);
  it('seasonal default (3 days, variance over 14), a 3 % day effect: no-change fail rate ≤ 5 %', () => expectAtMost(result('daily-queueing-seasonal-3d-of-14d').aftershock.fail, 0.05, 'fail'), 2 * TIMEOUT_MS);
  // analysis.seasonal.periodVariance: auto (period-effect.ts): the within-period variance when a service's periods
  // differ by no more than their noise. Its power on steady days, and its fail rate where it is known to be liberal
  // (a 1 % day effect three days rarely show: warns rise there, see the README) — a fail needs the tolerance too.
  it('seasonal auto, steady days: +20 % at p99 caught with 3 reference days (≥ 95 %)', () => expectAtLeast(result('daily-queueing-steady-p99+20%-seasonal-auto').aftershock.power!, 0.95, 'power'), TIMEOUT_MS);
  it('seasonal auto, a 1 % day effect: no-change fail rate ≤ 5 %', () => expectAtMost(result('daily-queueing-day1%-seasonal-auto').aftershock.fail, 0.05, 'fail'), TIMEOUT_MS);
  it('cohort, 10 % and 50 % rollouts without a change: fail rate ≤ 5 %', () => {
    expectAtMost(result('cohort-10%').aftershock.fail, 0.05, 'fail 10 %');
    expectAtMost(result('cohort-50%').aftershock.fail, 0.05, 'fail 50 %');
  }, TIMEOUT_MS);
  it('cohort, 50 % rollout with +20 % at p99 on the flag-on requests: caught (≥ 95 %)', () => expectAtLeast(result('cohort-50%-p99+20%').aftershock.power!, 0.95, 'power'), TIMEOUT_MS);
});

describe('binomial tolerances used above', () => {
  it('are the one-sided 5 % bounds', () => {
    // SciPy: binom.sf(k - 1, 24, 0.05) for k = 3, 4: 0.1159, 0.0298 → at most 3 of 24
    expect(maxCount(24, 0.05)).toBe(3);
    // binom.cdf(k, 24, 0.95) for k = 20, 21: 0.0298, 0.1159 → at least 21 of 24
    expect(minCount(24, 0.95)).toBe(21);
    // binom.cdf(k, 24, 0.8) for k = 15, 16: 0.0362, 0.0892 → at least 16 of 24
    expect(minCount(24, 0.8)).toBe(16);
    // incident-after (12 seeds): at most 2; retries doubling (16 seeds): at least 14 (binom.cdf(13, 16, 0.95) = 0.0429)
    expect(maxCount(12, 0.05)).toBe(2);
    // the variance-history families (12 seeds): at least 10 of 12 (binom.cdf(9, 12, 0.95) = 0.0196, cdf(10) = 0.1184)
    expect(minCount(12, 0.95)).toBe(10);
    expect(minCount(16, 0.95)).toBe(14);
  });
});
