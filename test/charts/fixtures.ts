/**
 * Hand-made, deterministic analysis results for chart tests and the benchmark: the shapes `analyze()`
 * returns, built from seeded lognormal samples so the charts show realistic curves.
 * - regressionResult(): /checkout regressed at p99 (≈ +23 %), three unchanged endpoints, one endpoint with
 *   too little data for the tail, payments-api retrying far more often, inventory-api unchanged.
 * - manyEndpointsResult(n): n endpoints (one regressed) and two upstream APIs, for scale tests and the benchmark.
 */
import type { AnalysisResult, AnalysisSettings, DistributionSketch, Finding, FindingStatus, ReportSeries } from '../../src/analysis/types.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/seeded-random.ts';
import { analysisSettings, loadConfig } from '../../src/config.ts';

export const UPGRADE_AT = '2026-11-20T14:00:00Z';
const UPGRADE_MS = Date.parse(UPGRADE_AT);
const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The shipped defaults (config/default.yaml), so the fixtures follow the real decision settings. */
export const FIXTURE_SETTINGS: AnalysisSettings = analysisSettings(loadConfig());

const PROBS: number[] = [0.001, 0.005];
for (let i = 1; i <= 99; i++) PROBS.push(i / 100);
PROBS.push(0.991, 0.992, 0.993, 0.994, 0.995, 0.996, 0.997, 0.998, 0.999, 0.9995, 0.9999);

function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function sketch(sorted: Float64Array): DistributionSketch {
  return { probs: PROBS, values: PROBS.map((p) => (sorted.length === 0 || p > 1 - 1 / sorted.length ? null : quantile(sorted, p))), n: sorted.length };
}

/** Lognormal latencies; `slowShare` of them are multiplied by `slowFactor` (a tail regression). */
function samples(rng: SeededRandom, n: number, median: number, sigma: number, slowShare = 0, slowFactor = 1): Float64Array {
  const out = new Float64Array(n);
  const mu = Math.log(median);
  for (let i = 0; i < n; i++) out[i] = rng.lognormal(mu, sigma) * (rng.uniform() < slowShare ? slowFactor : 1);
  return out.sort();
}

function statusName(level: number): string {
  return `p${Number((level * 100).toPrecision(4))}`;
}

interface EndpointPlan {
  service: string;
  endpoint: string;
  median: number;
  sigma: number;
  n: number;
  /** Quantile levels that are regressions (the after window gets a slower tail). */
  regressed?: number[];
  /** Sample size too small for the top quantiles. */
  small?: boolean;
}

function endpointData(rng: SeededRandom, plan: EndpointPlan): { findings: Finding[]; series: ReportSeries['latency'][number] } {
  const before = samples(rng, plan.n, plan.median, plan.sigma);
  const after = plan.regressed ? samples(rng, Math.round(plan.n * 1.3), plan.median, plan.sigma, 0.06, 1.9) : samples(rng, Math.round(plan.n * 1.1), plan.median, plan.sigma);
  const findings: Finding[] = FIXTURE_SETTINGS.quantiles.map((q) => {
    const needed = FIXTURE_SETTINGS.minTailCount / (1 - q);
    const nBefore = before.length;
    const nAfter = after.length;
    const base = { kind: 'tail_latency' as const, service: plan.service, subject: plan.endpoint, statistic: statusName(q), unit: 'ms', test: 'Mood median test at the quantile', nBefore, nAfter };
    if (nBefore < needed || nAfter < needed) {
      return { ...base, before: null, after: null, relativeChange: null, ci: null, pValue: null, qValue: null, status: 'insufficient_data' as FindingStatus, reason: `Too few requests for ${statusName(q)}: need ${needed} per window, have ${nBefore} and ${nAfter}.` };
    }
    const b = quantile(before, q);
    const a = quantile(after, q);
    const rel = a / b - 1;
    const half = q >= 0.999 ? 0.09 : q >= 0.99 ? 0.04 : 0.015;
    const status: FindingStatus = plan.regressed?.includes(q) ? 'regression' : 'no_change';
    return {
      ...base, before: b, after: a, relativeChange: rel, ci: [rel - half, rel + half], beforeCi: [b * (1 - half / 2), b * (1 + half / 2)], afterCi: [a * (1 - half / 2), a * (1 + half / 2)],
      absoluteChange: a - b, pValue: status === 'regression' ? 1e-9 : 0.4, qValue: status === 'regression' ? 4e-9 : 0.6, status,
      reason: status === 'regression' ? `${statusName(q)} rose by ${(rel * 100).toFixed(0)} %, beyond the +10 % and +5 ms tolerance; q = 4e-9.` : `${statusName(q)} changed by ${(rel * 100).toFixed(1)} %, not significant.`,
    };
  });
  const t: number[] = [];
  const count: number[] = [];
  const p50: (number | null)[] = [];
  const p99: (number | null)[] = [];
  for (let start = UPGRADE_MS - 2 * HOUR; start < UPGRADE_MS + 2 * HOUR; start += MINUTE) {
    const afterUpgrade = start >= UPGRADE_MS;
    const src = afterUpgrade ? after : before;
    const jitter = 1 + 0.06 * rng.normal();
    t.push(start);
    count.push(Math.round(src.length / 120));
    // A minute with no traffic shows as a gap.
    const empty = plan.small && rng.uniform() < 0.2;
    p50.push(empty ? null : quantile(src, 0.5) * (1 + 0.02 * rng.normal()));
    p99.push(empty ? null : quantile(src, 0.99) * jitter);
  }
  return { findings, series: { service: plan.service, endpoint: plan.endpoint, before: sketch(before), after: sketch(after), timeline: { intervalMs: MINUTE, t, count, p50, p99 } } };
}

interface UpstreamPlan {
  service: string;
  upstream: string;
  callsPerMinute: number;
  retryRate: number;
  retryRateAfter: number;
}

function upstreamData(rng: SeededRandom, plan: UpstreamPlan): { findings: Finding[]; series: ReportSeries['upstreams'][number] } {
  const t: number[] = [];
  const calls: number[] = [];
  const retries: number[] = [];
  const exhausted: number[] = [];
  for (let start = UPGRADE_MS - 2 * HOUR; start < UPGRADE_MS + 2 * HOUR; start += MINUTE) {
    const c = rng.poisson(plan.callsPerMinute);
    t.push(start);
    calls.push(c);
    retries.push(rng.poisson(c * (start >= UPGRADE_MS ? plan.retryRateAfter : plan.retryRate)));
    exhausted.push(rng.poisson(c * 0.001));
  }
  const sum = (xs: number[], after: boolean) => xs.reduce((s, x, i) => s + ((t[i] >= UPGRADE_MS) === after ? x : 0), 0);
  const [cb, ca, rb, ra, eb, ea] = [sum(calls, false), sum(calls, true), sum(retries, false), sum(retries, true), sum(exhausted, false), sum(exhausted, true)];
  const backoffBefore = samples(rng, Math.max(rb, 1), 120, 0.6);
  const backoffAfter = samples(rng, Math.max(ra, 1), 130, 0.6);
  const regressed = plan.retryRateAfter > plan.retryRate * 1.5;
  const rate = (x: number, n: number) => x / n;
  const common = { service: plan.service, subject: plan.upstream, nBefore: cb, nAfter: ca };
  const findings: Finding[] = [
    {
      ...common, kind: 'retry_rate', statistic: 'retries_per_call', unit: 'retries/call', before: rate(rb, cb), after: rate(ra, ca),
      relativeChange: rate(ra, ca) / rate(rb, cb) - 1, ci: [rate(ra, ca) / rate(rb, cb) - 1.1, rate(ra, ca) / rate(rb, cb) - 0.9],
      test: 'exact conditional Poisson test', pValue: regressed ? 1e-12 : 0.5, qValue: regressed ? 1e-11 : 0.7, status: regressed ? 'regression' : 'no_change',
      reason: regressed ? 'Retries per call rose beyond the +25 % and +0.002 tolerance.' : 'No significant change in retries per call.',
    },
    {
      ...common, kind: 'retry_rate', statistic: 'exhausted_rate', unit: 'share of calls', before: rate(eb, cb), after: rate(ea, ca),
      relativeChange: rate(ea, ca) / rate(eb, cb) - 1, ci: [-0.3, 0.35], test: 'exact conditional Poisson test', pValue: 0.6, qValue: 0.8, status: 'no_change',
      reason: 'No significant change in the share of calls that gave up.',
    },
    {
      ...common, kind: 'backoff', statistic: 'median_wait', unit: 'ms', nBefore: backoffBefore.length, nAfter: backoffAfter.length,
      before: quantile(backoffBefore, 0.5), after: quantile(backoffAfter, 0.5), relativeChange: quantile(backoffAfter, 0.5) / quantile(backoffBefore, 0.5) - 1,
      ci: [-0.02, 0.18], test: 'Mann-Whitney U', pValue: 0.03, qValue: 0.2, status: 'no_change', reason: 'Median backoff wait within tolerance.',
    },
  ];
  return { findings, series: { service: plan.service, upstream: plan.upstream, backoffBefore: sketch(backoffBefore), backoffAfter: sketch(backoffAfter), timeline: { intervalMs: MINUTE, t, calls, retries, exhausted } } };
}

function assemble(endpoints: EndpointPlan[], upstreams: UpstreamPlan[], seed: number, warnings: string[]): AnalysisResult {
  const rng = seededRandom(seed);
  const e = endpoints.map((p) => endpointData(rng, p));
  const u = upstreams.map((p) => upstreamData(rng, p));
  const findings = [...e.flatMap((x) => x.findings), ...u.flatMap((x) => x.findings)];
  const regressions = findings.filter((f) => f.status === 'regression').length;
  const verdict = regressions > 0 ? 'fail' : findings.some((f) => f.status === 'insufficient_data') ? 'warn' : 'pass';
  return {
    report: {
      schemaVersion: 1,
      verdict,
      upgradeAt: UPGRADE_AT,
      windows: {
        before: { start: new Date(UPGRADE_MS - 2 * HOUR).toISOString(), stop: UPGRADE_AT },
        after: { start: UPGRADE_AT, stop: new Date(UPGRADE_MS + 2 * HOUR).toISOString() },
      },
      findings,
      summary: `${verdict}: ${regressions} regressions.`,
      warnings,
      source: 'fixture (seeded lognormal samples)',
      settings: FIXTURE_SETTINGS,
    },
    series: { latency: e.map((x) => x.series), upstreams: u.map((x) => x.series) },
  };
}

export function regressionResult(): AnalysisResult {
  return assemble(
    [
      { service: 'shop', endpoint: '/checkout', median: 180, sigma: 0.55, n: 20000, regressed: [0.99] },
      { service: 'shop', endpoint: '/cart', median: 60, sigma: 0.5, n: 20000 },
      { service: 'shop', endpoint: '/search', median: 95, sigma: 0.7, n: 20000 },
      { service: 'shop', endpoint: '/product/:id', median: 40, sigma: 0.45, n: 20000 },
      { service: 'shop', endpoint: '/admin/export', median: 900, sigma: 0.8, n: 600, small: true },
    ],
    [
      { service: 'shop', upstream: 'payments-api', callsPerMinute: 150, retryRate: 0.02, retryRateAfter: 0.055 },
      { service: 'shop', upstream: 'inventory-api', callsPerMinute: 300, retryRate: 0.01, retryRateAfter: 0.0105 },
    ],
    42,
    ['influx: 3 of 240 intervals of the after window arrived late and were read on retry'],
  );
}

/** n endpoints, the first one regressed at p99 and p99.9, and two upstream APIs. */
export function manyEndpointsResult(n: number): AnalysisResult {
  const endpoints: EndpointPlan[] = Array.from({ length: n }, (_, i) => ({
    service: i % 2 === 0 ? 'shop' : 'catalog',
    endpoint: `/api/v1/resource-${String(i + 1).padStart(2, '0')}`,
    median: 30 + 10 * (i % 7),
    sigma: 0.5,
    n: 5000,
    regressed: i === 0 ? [0.99, 0.999] : undefined,
  }));
  return assemble(
    endpoints,
    [
      { service: 'shop', upstream: 'payments-api', callsPerMinute: 100, retryRate: 0.02, retryRateAfter: 0.021 },
      { service: 'catalog', upstream: 'search-api', callsPerMinute: 100, retryRate: 0.03, retryRateAfter: 0.03 },
    ],
    7,
    [],
  );
}
