/**
 * The parameters of a simulated world (what `telemetry-generator.ts` draws from and `truth.ts` integrates over),
 * and the small deterministic helpers both need: the load curve, request rates, and seed mixing.
 * Every random draw of the generator comes from a stream keyed by (seed, purpose, subject, time slot), so the
 * same seed gives the same telemetry whatever time ranges are asked for (the after window alone, or the same
 * clock window on earlier days for a seasonal baseline).
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** 14:00 UTC: on a minute and a 10-minute mark, so "aligned" blocks start with the windows. */
export const DEFAULT_UPGRADE_AT = Date.parse('2026-11-20T14:00:00Z');
export const DEFAULT_WINDOW_MS = 2 * HOUR_MS;

export interface EndpointSpec {
  service: string;
  endpoint: string;
  /** Expected requests in a DEFAULT_WINDOW_MS window at load 1 (Poisson per minute). */
  perWindow: number;
  /** Lognormal latency at load 1: median (ms) and log-sd. */
  medianMs: number;
  sigma: number;
}

export interface UpstreamSpec {
  service: string;
  upstream: string;
  /** Expected logical calls in a DEFAULT_WINDOW_MS window at load 1. */
  perWindow: number;
  /** Per-attempt failure probability (the minute's mean when bursts are on). */
  failProbability: number;
  /** Tries per logical call including the first; the call is exhausted (ok=false) when all fail. */
  maxAttempts: number;
  /** Wait before retry k is base · multiplier^(k−1) with equal jitter (half fixed, half uniform). */
  backoffBaseMs: number;
  backoffMultiplier: number;
}

/** latency × exp(N(0, sigma)), one draw per block, shared by every endpoint (a host-wide noisy neighbour, GC). */
export interface BlockEffect {
  blockMs: number;
  sigma: number;
  /** Block grid phase: 0 = blocks start on epoch multiples of blockMs (aligned); 'random' = a per-seed phase. */
  offsetMs: number | 'random';
}

/** A transient incident: for `durationMs`, a share of all requests (every endpoint) is `factor` times slower. */
export interface IncidentSpec {
  window: 'before' | 'after';
  durationMs: number;
  share: number;
  factor: number;
}

/** Per-attempt failures come in bursts: a share of the minutes fail at `burstFailure`, the rest at a base rate. */
export interface RetryBurstSpec {
  burstMs: number;
  burstShare: number;
  burstFailure: number;
  /** Upstreams with bursts (default: every upstream, each with its own burst minutes). */
  upstreams?: string[];
}

export function bursty(s: Scenario, upstream: string): RetryBurstSpec | null {
  const b = s.retryBursts;
  return b && (!b.upstreams || b.upstreams.includes(upstream)) ? b : null;
}

/**
 * Daily traffic cycle: load(t) = 1 + amplitude · cos(2π (t − peak) / 24 h), constant within a minute (so the
 * truth is an exact mixture over minutes). Request and call rates ∝ load; latency × load^latencyExponent; with
 * `queue`, a share min(1, queue.share · load^queue.exponent) of requests also waits in a queue (latency ×
 * lognormal(queue.factorMedian, queue.factorSigma)), so the tail grows faster than the body at peak.
 * `dayEffectSigma`: latency × exp(N(0, s)) per calendar day (day-to-day variation for seasonal baselines).
 */
export interface DailyCycleSpec {
  amplitude: number;
  /** Time of the daily peak relative to the upgrade (any day: the cycle has a 24 h period). */
  peakOffsetMs: number;
  latencyExponent: number;
  queue?: { share: number; exponent: number; factorMedian: number; factorSigma: number };
  dayEffectSigma: number;
}

/**
 * A gradual flag rollout in the after window: each request and call is flag-on with probability `rollout`.
 * The window builder has no cohort dimension yet, so the cohort goes into the subject name:
 * `/checkout;variant=on`, `payments-api;variant=off` (cohortSubject below). The before window is all control.
 */
export interface CohortSpec {
  rollout: number;
  tag: string;
  control: string;
  treatment: string;
}

/**
 * What the upgrade changes, applied to after-window values (and only to the treatment cohort when there is one):
 * - `tail`: v · (1 + change · h(v)), h rising linearly in log v from 0 at the before-window quantile `fromQuantile`
 *   to 1 at `atQuantile` (monotone, so every quantile ≥ atQuantile moves by exactly `change`);
 * - `slowest`: values above the before-window (1 − share)-quantile are multiplied by `factor`;
 * - `scale`: every value × factor (all quantiles +x %);
 * - `retries`: the per-attempt failure probability is raised so expected retries per call are × factor.
 */
export type RegressionSpec =
  | { kind: 'tail'; change: number; fromQuantile: number; atQuantile: number; endpoints?: string[] }
  | { kind: 'slowest'; share: number; factor: number; endpoints?: string[] }
  | { kind: 'scale'; factor: number; endpoints?: string[] }
  | { kind: 'retries'; factor: number; upstreams?: string[] };

export interface Scenario {
  upgradeAt: number;
  beforeMs: number;
  afterMs: number;
  endpoints: EndpointSpec[];
  upstreams: UpstreamSpec[];
  blocks?: BlockEffect[];
  incident?: IncidentSpec;
  retryBursts?: RetryBurstSpec;
  daily?: DailyCycleSpec;
  cohort?: CohortSpec;
  regressions?: RegressionSpec[];
  /** When the regressions begin (epoch ms; default the upgrade): earlier for a change that is not the upgrade's (issue 11 onset). */
  regressionAt?: number;
  /** Report whole milliseconds (Math.round), as many tracing libraries do. */
  integerMs?: boolean;
  /** Send latency as per-minute cumulative histograms with these `le` bounds (Infinity = +Inf) instead of raw requests. */
  histogramLe?: number[];
}

export type WindowName = 'before' | 'after';

export function windowRange(s: Scenario, w: WindowName): { start: number; stop: number } {
  return w === 'before' ? { start: s.upgradeAt - s.beforeMs, stop: s.upgradeAt } : { start: s.upgradeAt, stop: s.upgradeAt + s.afterMs };
}

/** Load of the minute starting at `minuteStart` (1 without a daily cycle). */
export function loadAt(s: Scenario, minuteStart: number): number {
  const d = s.daily;
  if (!d) return 1;
  const mid = minuteStart + MINUTE_MS / 2;
  return 1 + d.amplitude * Math.cos((2 * Math.PI * (mid - s.upgradeAt - d.peakOffsetMs)) / DAY_MS);
}

/** Share of the minute's requests that queue (0 without a queueing tail). */
export function queueShareAt(s: Scenario, load: number): number {
  const q = s.daily?.queue;
  return q ? Math.min(1, q.share * load ** q.exponent) : 0;
}

/** Expected requests (or calls) per minute at load 1 for a subject with `perWindow` per DEFAULT_WINDOW_MS. */
export function perMinute(perWindow: number): number {
  return (perWindow * MINUTE_MS) / DEFAULT_WINDOW_MS;
}

export function cohortSubject(name: string, cohort: CohortSpec, treated: boolean): string {
  return `${name};${cohort.tag}=${treated ? cohort.treatment : cohort.control}`;
}

/** Per-minute base failure probability that keeps the time-average at `mean` when bursts take their share. */
export function burstBaseFailure(mean: number, b: RetryBurstSpec): number {
  return Math.max(0, (mean - b.burstShare * b.burstFailure) / (1 - b.burstShare));
}

/** Expected retries of one logical call: retry k happens when the first k tries failed (k < maxAttempts). */
export function expectedRetries(p: number, maxAttempts: number): number {
  let e = 0;
  let pk = 1;
  for (let k = 1; k < maxAttempts; k++) {
    pk *= p;
    e += pk;
  }
  return e;
}

/** The per-attempt failure probability whose expected retries are `target` (bisection; expectedRetries is increasing). */
export function failureForRetries(target: number, maxAttempts: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (expectedRetries(mid, maxAttempts) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** 32-bit seed for one random stream: a murmur3-style mix of the run seed and the stream's keys. */
export function streamSeed(seed: number, ...keys: number[]): number {
  let h = (seed ^ 0x5bd1e995) >>> 0;
  for (const k of keys) {
    // keys may exceed 32 bits (epoch minutes do not, block indices of short blocks might): fold the high part in
    const lo = k >>> 0;
    const hi = Math.floor(k / 4294967296) >>> 0;
    for (const part of [lo, hi]) {
      let x = Math.imul(part, 0xcc9e2d51);
      x = (x << 15) | (x >>> 17);
      x = Math.imul(x, 0x1b873593);
      h ^= x;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Stream purposes (first key of streamSeed). */
export const STREAM = { request: 1, upstream: 2, block: 3, burst: 4, incident: 5, day: 6, blockPhase: 7 } as const;
