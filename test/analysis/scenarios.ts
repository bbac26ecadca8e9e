/**
 * Seeded before/after scenarios built directly as MetricWindows, so analysis tests do not depend on any source.
 */
import type { LatencySeries, MetricWindows, UpstreamSeries, UpstreamWindow } from '../../src/analysis/types.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/seeded-random.ts';

export const UPGRADE_AT = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;

export interface LatencySpec {
  endpoint: string;
  n: number;
  /** Lognormal parameters of the before window (ms). */
  median?: number;
  sigma?: number;
  /** Transforms an after-window value; identity = no change. */
  after?: (v: number, r: SeededRandom) => number;
  nAfter?: number;
}

export interface UpstreamSpec {
  upstream: string;
  calls: number;
  /** Per-attempt failure probability before / after. */
  failBefore: number;
  failAfter?: number;
  maxAttempts?: number;
  /** Backoff: base wait before / after (ms), exponential with multiplier 2 and full jitter. */
  baseBefore?: number;
  baseAfter?: number;
}

export function latencyWindows(r: SeededRandom, spec: LatencySpec): LatencySeries {
  const mu = Math.log(spec.median ?? 80);
  const sigma = spec.sigma ?? 0.5;
  const before = new Float64Array(spec.n);
  for (let i = 0; i < spec.n; i++) before[i] = r.lognormal(mu, sigma);
  const nAfter = spec.nAfter ?? spec.n;
  const after = new Float64Array(nAfter);
  for (let i = 0; i < nAfter; i++) {
    const v = r.lognormal(mu, sigma);
    after[i] = spec.after ? spec.after(v, r) : v;
  }
  return { service: 'shop', endpoint: spec.endpoint, before: { kind: 'raw', values: before }, after: { kind: 'raw', values: after } };
}

function upstreamWindow(r: SeededRandom, calls: number, fail: number, maxAttempts: number, base: number): UpstreamWindow {
  let retries = 0;
  let exhausted = 0;
  const waits: number[] = [];
  for (let c = 0; c < calls; c++) {
    let attempts = 1;
    let wait = 0;
    while (r.uniform() < fail && attempts < maxAttempts) {
      wait += r.uniform() * base * 2 ** (attempts - 1);
      attempts++;
    }
    if (attempts === maxAttempts && r.uniform() < fail) exhausted++;
    retries += attempts - 1;
    if (attempts > 1) waits.push(wait);
  }
  return { calls, retries, exhausted, backoff: { kind: 'raw', values: Float64Array.from(waits) } };
}

export function upstreamWindows(r: SeededRandom, spec: UpstreamSpec): UpstreamSeries {
  const maxAttempts = spec.maxAttempts ?? 4;
  return {
    service: 'shop',
    upstream: spec.upstream,
    before: upstreamWindow(r, spec.calls, spec.failBefore, maxAttempts, spec.baseBefore ?? 50),
    after: upstreamWindow(r, spec.calls, spec.failAfter ?? spec.failBefore, maxAttempts, spec.baseAfter ?? spec.baseBefore ?? 50),
  };
}

export function scenario(seed: number, latency: LatencySpec[], upstreams: UpstreamSpec[] = []): MetricWindows {
  const r = seededRandom(seed);
  return {
    upgradeAt: UPGRADE_AT,
    before: { start: UPGRADE_AT - 2 * H, stop: UPGRADE_AT },
    after: { start: UPGRADE_AT, stop: UPGRADE_AT + 2 * H },
    latency: latency.map((s) => latencyWindows(r, s)),
    upstreams: upstreams.map((s) => upstreamWindows(r, s)),
    warnings: [],
    source: `scenario seed ${seed}`,
  };
}
