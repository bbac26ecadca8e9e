/**
 * The named calibration families: each a scenario (scenario.ts), the comparison to run on it, what the verdict
 * should be, and the audited figure where there is one. Shared by the bench (all families, 100 seeds)
 * and the fast subset in `npm test`.
 */
import {
  DEFAULT_UPGRADE_AT,
  DEFAULT_WINDOW_MS,
  HOUR_MS,
  MINUTE_MS,
  type BlockEffect,
  type DailyCycleSpec,
  type EndpointSpec,
  type RegressionSpec,
  type Scenario,
  type UpstreamSpec,
} from './scenario.ts';
import type { AnalysisSettings } from '../../src/analysis/types.ts';

/** The big endpoint: 50 k requests per 2 h window, lognormal(80 ms, 0.5) (p99 ≈ 256 ms). */
export const BIG: EndpointSpec = { service: 'shop', endpoint: '/checkout', perWindow: 50_000, medianMs: 80, sigma: 0.5 };
/** The upstream the retry findings and coverage are judged on: 25 k calls per window, 1 % per-attempt failure. */
export const PAYMENTS: UpstreamSpec = { service: 'shop', upstream: 'payments-api', perWindow: 25_000, failProbability: 0.01, maxAttempts: 4, backoffBaseMs: 50, backoffMultiplier: 2 };

/** A small service: the big endpoint, three smaller ones and two upstreams. */
export const BASE_ENDPOINTS: EndpointSpec[] = [
  BIG,
  { service: 'shop', endpoint: '/cart', perWindow: 20_000, medianMs: 40, sigma: 0.6 },
  { service: 'shop', endpoint: '/search', perWindow: 10_000, medianMs: 120, sigma: 0.45 },
  { service: 'shop', endpoint: '/product', perWindow: 5_000, medianMs: 30, sigma: 0.5 },
];
export const BASE_UPSTREAMS: UpstreamSpec[] = [
  PAYMENTS,
  { service: 'shop', upstream: 'inventory-api', perWindow: 10_000, failProbability: 0.02, maxAttempts: 3, backoffBaseMs: 25, backoffMultiplier: 2 },
];

/**
 * 200 endpoints with Zipf(1) volumes (rank r gets 50 k / r requests per window, the big endpoint first); medians
 * 15–300 ms and log-sds 0.35–0.7 spread deterministically over the ranks (part of the world, not of the noise).
 */
export function zipfEndpoints(count = 200): EndpointSpec[] {
  const out: EndpointSpec[] = [BIG];
  for (let r = 2; r <= count; r++) {
    const a = ((r * 0.6180339887) % 1 + 1) % 1; // golden-ratio spread: deterministic, well mixed
    const b = ((r * 0.7548776662) % 1 + 1) % 1;
    out.push({ service: 'shop', endpoint: `/api/e${String(r).padStart(3, '0')}`, perWindow: Math.round(50_000 / r), medianMs: 15 * 20 ** a, sigma: 0.35 + 0.35 * b });
  }
  return out;
}

export const COARSE_LE = [10, 20, 50, 100, 200, 500, 1000, Infinity];

/** Latency ∝ load^0.3 on a cos daily cycle (A = 0.65, peak 4 h after the upgrade): all quantiles +6.7 % after vs before. */
export const DAILY: DailyCycleSpec = { amplitude: 0.65, peakOffsetMs: 4 * HOUR_MS, latencyExponent: 0.3, dayEffectSigma: 0.03 };
/** The same plus a queueing tail (1 % of requests at load 1, ∝ load^4, × lognormal(2, 0.3)): p99 +17 % from load alone. */
export const DAILY_QUEUE: DailyCycleSpec = { ...DAILY, queue: { share: 0.01, exponent: 4, factorMedian: 2, factorSigma: 0.3 } };
/** The issue's own case: the daily cycle with its queueing tail and every day alike (no day-to-day effect). */
export const DAILY_QUEUE_STEADY: DailyCycleSpec = { ...DAILY_QUEUE, dayEffectSigma: 0 };

export function block(minutes: number, sigma: number, aligned = true): BlockEffect {
  return { blockMs: minutes * MINUTE_MS, sigma, offsetMs: aligned ? 0 : 'random' };
}

export const P99_PLUS_20: RegressionSpec = { kind: 'tail', change: 0.2, fromQuantile: 0.9, atQuantile: 0.99 };
export const SLOWEST_2_PLUS_12: RegressionSpec = { kind: 'slowest', share: 0.02, factor: 1.12 };
export const RETRIES_X2: RegressionSpec = { kind: 'retries', factor: 2 };
/** p50 unchanged, rising to +7 % at p99 and beyond (p90 +3.9 %, p95 +5.0 %). */
export const TAIL_PLUS_7: RegressionSpec = { kind: 'tail', change: 0.07, fromQuantile: 0.5, atQuantile: 0.99 };
export const scaleBy = (factor: number): RegressionSpec => ({ kind: 'scale', factor });
/** 1-minute bursts on payments-api (1 % mean per-attempt failure): 5 % of minutes at 15 %, the rest at 0.26 %. */
export const PAYMENTS_BURSTS = { burstMs: MINUTE_MS, burstShare: 0.05, burstFailure: 0.15, upstreams: [PAYMENTS.upstream] };

export type Expectation = 'no_change' | 'within_tolerance' | 'regression';
/**
 * How the report is made: before vs after (today); today's after window vs the same clock window a day earlier
 * (one reference day as a plain window, the audit's comparison); `seasonal-3d`: the seasonal baseline with 3
 * reference days as clusters (issue 11); flag-off vs flag-on cohort in the after window (the cohort baseline,
 * split by the `variant` tag in the real builder).
 */
export type Comparison = 'before' | 'seasonal-1d' | 'seasonal-3d' | 'seasonal-7d' | 'seasonal-14d' | 'seasonal-3d-of-14d' | 'seasonal-3d-of-7d' | 'cohort';

/**
 * Reference days of a seasonal comparison (null for the others): `seasonal-Kd` has K baseline days that also
 * measure the day-to-day variation; `seasonal-Kd-of-Hd` has K baseline days and the variation measured over H
 * days (a variance history, `--variance-periods H`). `days` is how many earlier days the data hold (H).
 */
export function seasonalPeriods(c: Comparison): { level: number; days: number } | null {
  const m = /^seasonal-(\d+)d(?:-of-(\d+)d)?$/.exec(c);
  if (!m || c === 'seasonal-1d') return null;
  return { level: Number(m[1]), days: Number(m[2] ?? m[1]) };
}

export interface FindingTarget {
  kind: 'tail_latency' | 'retry_rate';
  subject: string;
  statistic: string;
}

export interface Family {
  name: string;
  scenario: Scenario;
  comparison: Comparison;
  expect: Expectation;
  /** For regression families: the finding that must be a regression for the report to count as caught. */
  target?: FindingTarget;
  /** The audited figure for this case on the code of the time, for comparison. */
  audit?: string;
  /** Analysis settings that differ from the shipped ones (e.g. the seasonal period-variance check). */
  settings?: Partial<AnalysisSettings>;
}

export function scenario(extra: Partial<Scenario> = {}): Scenario {
  return { upgradeAt: DEFAULT_UPGRADE_AT, beforeMs: DEFAULT_WINDOW_MS, afterMs: DEFAULT_WINDOW_MS, endpoints: BASE_ENDPOINTS, upstreams: BASE_UPSTREAMS, ...extra };
}

const P99: FindingTarget = { kind: 'tail_latency', subject: BIG.endpoint, statistic: 'p99' };
const P50: FindingTarget = { kind: 'tail_latency', subject: BIG.endpoint, statistic: 'p50' };
const RETRIES: FindingTarget = { kind: 'retry_rate', subject: PAYMENTS.upstream, statistic: 'retries_per_call' };
const PERIOD_VARIANCE_AUTO: Partial<AnalysisSettings> = { seasonal: { periodVariance: 'auto' } };
const cohort = (rollout: number) => ({ rollout, tag: 'variant', control: 'off', treatment: 'on' });
const noChange = (name: string, s: Scenario, audit?: string, comparison: Comparison = 'before'): Family => ({ name, scenario: s, comparison, expect: 'no_change', audit });
const regression = (name: string, s: Scenario, target: FindingTarget, comparison: Comparison = 'before', audit?: string): Family => ({ name, scenario: s, comparison, expect: 'regression', target, audit });

export const FAMILIES: Family[] = [
  // issue 10, no change
  noChange('independent', scenario(), 'fail 0–1 %'),
  noChange('integer-ms', scenario({ integerMs: true }), 'harmless'),
  noChange('block-1m-s0.08', scenario({ blocks: [block(1, 0.08)] })),
  noChange('block-1m-s0.15', scenario({ blocks: [block(1, 0.15)] })),
  noChange('block-1m-s0.15-unaligned', scenario({ blocks: [block(1, 0.15, false)] })),
  noChange('block-10m-s0.08', scenario({ blocks: [block(10, 0.08)] }), 'fail 10 %'),
  noChange('block-10m-s0.15', scenario({ blocks: [block(10, 0.15)] }), 'fail 20 %'),
  noChange('block-10m-s0.15-unaligned', scenario({ blocks: [block(10, 0.15, false)] })),
  noChange('incident-after', scenario({ incident: { window: 'after', durationMs: 3 * MINUTE_MS, share: 0.25, factor: 3 } }), 'fail 98 %'),
  noChange('incident-before', scenario({ incident: { window: 'before', durationMs: 3 * MINUTE_MS, share: 0.25, factor: 3 } }), 'fail 0 %, false improvement 93 %'),
  noChange('bursty-retries', scenario({ retryBursts: PAYMENTS_BURSTS }), 'fail 23 %, false improvement 29 %'),
  noChange('zipf-200', scenario({ endpoints: zipfEndpoints() }), 'warn 98 %'),
  noChange('zipf-200-integer-ms-block-1m-s0.08', scenario({ endpoints: zipfEndpoints(), integerMs: true, blocks: [block(1, 0.08)] })),
  noChange('histogram-coarse', scenario({ histogramLe: COARSE_LE })),
  // issue 10, changes within the 10 % tolerance: must not fail. The tail ramp (p50 → p99) gives p90 +3.9 %,
  // p99 +7 %, the shape of the histogram example.
  { name: 'histogram-coarse-tail+7%', scenario: scenario({ histogramLe: COARSE_LE, regressions: [TAIL_PLUS_7] }), comparison: 'before', expect: 'within_tolerance', audit: 'p90 +4.1 % reported as a +10.3 % regression' },
  { name: 'histogram-coarse-all+7%', scenario: scenario({ histogramLe: COARSE_LE, regressions: [scaleBy(1.07)] }), comparison: 'before', expect: 'within_tolerance' },
  // issue 10, regressions
  regression('p99+20%-independent', scenario({ regressions: [P99_PLUS_20] }), P99),
  regression('p99+20%-block-1m-s0.08', scenario({ blocks: [block(1, 0.08)], regressions: [P99_PLUS_20] }), P99),
  regression('p99+20%-block-1m-s0.15', scenario({ blocks: [block(1, 0.15)], regressions: [P99_PLUS_20] }), P99),
  regression('slowest2%+12%-independent', scenario({ regressions: [SLOWEST_2_PLUS_12] }), P99),
  regression('slowest2%+12%-block-1m-s0.08', scenario({ blocks: [block(1, 0.08)], regressions: [SLOWEST_2_PLUS_12] }), P99),
  regression('all+15%-block-1m-s0.08', scenario({ blocks: [block(1, 0.08)], regressions: [scaleBy(1.15)] }), P50),
  regression('p99+20%-incident-before', scenario({ incident: { window: 'before', durationMs: 3 * MINUTE_MS, share: 0.25, factor: 3 }, regressions: [P99_PLUS_20] }), P99),
  // p99 moves 256 → 307 ms inside the (200, 500] bucket: no data can tell it from the tolerance, so power is not
  // the point here; an interval that covers +20 % is.
  regression('p99+20%-histogram-coarse', scenario({ histogramLe: COARSE_LE, regressions: [P99_PLUS_20] }), P99, 'before', 'unresolvable in the (200, 500] bucket: coverage, not power'),
  regression('retries×2-independent', scenario({ regressions: [RETRIES_X2] }), RETRIES),
  regression('retries×2-bursty', scenario({ retryBursts: PAYMENTS_BURSTS, regressions: [RETRIES_X2] }), RETRIES),
  // issue 11: the daily cycle, today's before/after comparison and a one-day seasonal baseline
  noChange('daily', scenario({ daily: DAILY }), 'fail 43 % (Kayenta-style 78 %)'),
  noChange('daily-queueing', scenario({ daily: DAILY_QUEUE }), 'fail 100 % (Kayenta-style 100 %)'),
  noChange('daily-queueing-seasonal-1d', scenario({ daily: DAILY_QUEUE }), 'seasonal: 0/100', 'seasonal-1d'),
  regression('daily-queueing-p99+20%-seasonal-1d', scenario({ daily: DAILY_QUEUE, regressions: [P99_PLUS_20] }), P99, 'seasonal-1d'),
  // issue 11: the seasonal baseline (3 reference days, each a cluster: the 3 % day-to-day latency effect enters the variance)
  noChange('daily-seasonal', scenario({ daily: DAILY }), undefined, 'seasonal-3d'),
  noChange('daily-queueing-seasonal', scenario({ daily: DAILY_QUEUE }), undefined, 'seasonal-3d'),
  noChange('daily-queueing-block-1m-seasonal', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)] }), undefined, 'seasonal-3d'),
  regression('daily-queueing-p99+20%-seasonal', scenario({ daily: DAILY_QUEUE, regressions: [P99_PLUS_20] }), P99, 'seasonal-3d'),
  regression('daily-queueing-block-1m-p99+20%-seasonal', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)], regressions: [P99_PLUS_20] }), P99, 'seasonal-3d'),
  // issue 11 item 4 as written: the daily cycle with its queueing tail, days alike (no day-to-day effect)
  noChange('daily-queueing-steady-seasonal', scenario({ daily: DAILY_QUEUE_STEADY }), undefined, 'seasonal-3d'),
  regression('daily-queueing-steady-p99+20%-seasonal', scenario({ daily: DAILY_QUEUE_STEADY, regressions: [P99_PLUS_20] }), P99, 'seasonal-3d'),
  regression('daily-queueing-steady-block-1m-p99+20%-seasonal', scenario({ daily: DAILY_QUEUE_STEADY, blocks: [block(1, 0.08)], regressions: [P99_PLUS_20] }), P99, 'seasonal-3d'),
  // a day-to-day effect too small to see on three days (0.5 %, 1 %): the case a test of "no period effect" can miss
  noChange('daily-queueing-day0.5%-seasonal', scenario({ daily: { ...DAILY_QUEUE, dayEffectSigma: 0.005 } }), undefined, 'seasonal-3d'),
  noChange('daily-queueing-day1%-seasonal', scenario({ daily: { ...DAILY_QUEUE, dayEffectSigma: 0.01 } }), undefined, 'seasonal-3d'),
  // `analysis.seasonal.periodVariance: auto` (period-effect.ts): the within-period variance for a service whose
  // periods differ by no more than their noise. Steady days: the power three days cannot give on t(2); a small day
  // effect (0.5–1 %) three days cannot show: where it is liberal.
  ...[
    noChange('daily-queueing-steady-seasonal', scenario({ daily: DAILY_QUEUE_STEADY })),
    regression('daily-queueing-steady-p99+20%-seasonal', scenario({ daily: DAILY_QUEUE_STEADY, regressions: [P99_PLUS_20] }), P99),
    regression('daily-queueing-steady-block-1m-p99+20%-seasonal', scenario({ daily: DAILY_QUEUE_STEADY, blocks: [block(1, 0.08)], regressions: [P99_PLUS_20] }), P99),
    noChange('daily-queueing-day0.5%-seasonal', scenario({ daily: { ...DAILY_QUEUE, dayEffectSigma: 0.005 } })),
    noChange('daily-queueing-day1%-seasonal', scenario({ daily: { ...DAILY_QUEUE, dayEffectSigma: 0.01 } })),
    noChange('daily-queueing-seasonal', scenario({ daily: DAILY_QUEUE })),
    noChange('daily-queueing-block-1m-seasonal', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)] })),
    regression('daily-queueing-p99+20%-seasonal', scenario({ daily: DAILY_QUEUE, regressions: [P99_PLUS_20] }), P99),
  ].map((f): Family => ({ ...f, name: `${f.name}-auto`, comparison: 'seasonal-3d', settings: PERIOD_VARIANCE_AUTO })),
  // 7 reference days: t(6) instead of t(2) for the day-to-day variation, the power a +20 % p99 regression needs
  noChange('daily-queueing-seasonal-7d', scenario({ daily: DAILY_QUEUE }), undefined, 'seasonal-7d'),
  regression('daily-queueing-p99+20%-seasonal-7d', scenario({ daily: DAILY_QUEUE, regressions: [P99_PLUS_20] }), P99, 'seasonal-7d'),
  // 14 reference days (two weeks of the same clock window): t(13), the default's power without assuming days alike
  noChange('daily-queueing-seasonal-14d', scenario({ daily: DAILY_QUEUE }), undefined, 'seasonal-14d'),
  regression('daily-queueing-p99+20%-seasonal-14d', scenario({ daily: DAILY_QUEUE, regressions: [P99_PLUS_20] }), P99, 'seasonal-14d'),
  regression('daily-queueing-steady-p99+20%-seasonal-7d', scenario({ daily: DAILY_QUEUE_STEADY, regressions: [P99_PLUS_20] }), P99, 'seasonal-7d'),
  // 3 baseline days with the day-to-day variation measured over 14 (a variance history, `--variance-periods 14`):
  // t(13) for the variation whatever the day effect, the baseline still the 3 most recent days
  noChange('daily-queueing-steady-seasonal-3d-of-14d', scenario({ daily: DAILY_QUEUE_STEADY }), undefined, 'seasonal-3d-of-14d'),
  regression('daily-queueing-steady-p99+20%-seasonal-3d-of-14d', scenario({ daily: DAILY_QUEUE_STEADY, regressions: [P99_PLUS_20] }), P99, 'seasonal-3d-of-14d'),
  noChange('daily-queueing-seasonal-3d-of-14d', scenario({ daily: DAILY_QUEUE }), undefined, 'seasonal-3d-of-14d'),
  regression('daily-queueing-p99+20%-seasonal-3d-of-14d', scenario({ daily: DAILY_QUEUE, regressions: [P99_PLUS_20] }), P99, 'seasonal-3d-of-14d'),
  noChange('daily-queueing-day1%-seasonal-3d-of-14d', scenario({ daily: { ...DAILY_QUEUE, dayEffectSigma: 0.01 } }), undefined, 'seasonal-3d-of-14d'),
  noChange('daily-queueing-block-1m-seasonal-3d-of-14d', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)] }), undefined, 'seasonal-3d-of-14d'),
  regression('daily-queueing-steady-block-1m-p99+20%-seasonal-3d-of-14d', scenario({ daily: DAILY_QUEUE_STEADY, blocks: [block(1, 0.08)], regressions: [P99_PLUS_20] }), P99, 'seasonal-3d-of-14d'),
  regression('daily-queueing-steady-p99+20%-seasonal-3d-of-7d', scenario({ daily: DAILY_QUEUE_STEADY, regressions: [P99_PLUS_20] }), P99, 'seasonal-3d-of-7d'),
  // issue 11: flag cohorts in the same window (concurrent control) with the daily cycle and 1-minute blocks present
  noChange('cohort-10%', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)], cohort: cohort(0.1) }), undefined, 'cohort'),
  noChange('cohort-50%', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)], cohort: cohort(0.5) }), undefined, 'cohort'),
  regression('cohort-10%-p99+20%', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)], cohort: cohort(0.1), regressions: [P99_PLUS_20] }), P99, 'cohort'),
  regression('cohort-50%-p99+20%', scenario({ daily: DAILY_QUEUE, blocks: [block(1, 0.08)], cohort: cohort(0.5), regressions: [P99_PLUS_20] }), P99, 'cohort'),
];

export function family(name: string): Family {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw new Error(`unknown calibration family "${name}"; known: ${FAMILIES.map((x) => x.name).join(', ')}`);
  return f;
}
