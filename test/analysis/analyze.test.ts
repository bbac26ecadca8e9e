import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import type { Finding, Report } from '../../src/analysis/types.ts';
import { defaultSettings } from './settings.ts';
import { scenario } from './scenarios.ts';

const settings = defaultSettings();

function find(report: Report, kind: Finding['kind'], subject: string, statistic: string): Finding {
  const f = report.findings.find((x) => x.kind === kind && x.subject === subject && x.statistic === statistic);
  if (!f) throw new Error(`no ${kind} ${subject} ${statistic} in report`);
  return f;
}

describe('analyze', () => {
  it('passes when nothing changed (enough data for every quantile)', () => {
    const { report } = analyze(
      scenario(1, [{ endpoint: '/cart', n: 20_000 }, { endpoint: '/search', n: 20_000, median: 30, sigma: 0.8 }], [
        { upstream: 'inventory-api', calls: 20_000, failBefore: 0.05 },
      ]),
      settings,
    );
    expect(report.schemaVersion).toBe(1);
    expect(report.findings.every((f) => f.status === 'no_change')).toBe(true);
    expect(report.verdict).toBe('pass');
    expect(report.findings).toHaveLength(2 * 5 + 3);
    for (const f of report.findings) {
      expect(f.reason).toMatch(/^No significant change/);
      expect(f.qValue).not.toBeNull();
    }
  });

  it('flags a tail-only slowdown at p99 while the median is unchanged', () => {
    // The slowest 3 % of requests take 2.5× longer after the upgrade; the other 97 % are untouched.
    const mu = Math.log(80);
    const sigma = 0.5;
    const p97 = Math.exp(mu + sigma * 1.880793608151251);
    const { report } = analyze(
      scenario(2, [{ endpoint: '/checkout', n: 30_000, after: (v) => (v > p97 ? v * 2.5 : v) }]),
      settings,
    );
    const p50 = find(report, 'tail_latency', '/checkout', 'p50');
    const p99 = find(report, 'tail_latency', '/checkout', 'p99');
    expect(p50.status).toBe('no_change');
    expect(Math.abs(p50.relativeChange!)).toBeLessThan(0.02);
    expect(p99.status).toBe('regression');
    expect(p99.relativeChange!).toBeGreaterThan(1);
    expect(p99.ci![0]).toBeGreaterThan(0.5);
    expect(p99.qValue!).toBeLessThan(1e-10);
    expect(p99.reason).toMatch(/^P99 latency got worse/);
    expect(report.verdict).toBe('fail');
  });

  it('a whole-distribution Mann-Whitney would barely notice that tail-only change (why the tail test exists)', async () => {
    const { mannWhitneyU } = await import('../../src/stats/index.ts');
    const mu = Math.log(80);
    const p97 = Math.exp(mu + 0.5 * 1.880793608151251);
    const w = scenario(2, [{ endpoint: '/checkout', n: 30_000, after: (v) => (v > p97 ? v * 2.5 : v) }]);
    const s = w.latency[0];
    const mw = mannWhitneyU((s.after as { values: Float64Array }).values, (s.before as { values: Float64Array }).values);
    const { report } = analyze(w, settings);
    expect(find(report, 'tail_latency', '/checkout', 'p99').pValue!).toBeLessThan(mw.pValue * 1e-6);
  });

  it('flags a retry uptick as a retry_rate regression', () => {
    const { report } = analyze(
      scenario(3, [], [{ upstream: 'payments-api', calls: 40_000, failBefore: 0.04, failAfter: 0.07 }]),
      settings,
    );
    const f = find(report, 'retry_rate', 'payments-api', 'retries_per_call');
    expect(f.status).toBe('regression');
    expect(f.test).toBe('exact-poisson-rate-test');
    expect(f.relativeChange!).toBeGreaterThan(0.5);
    expect(f.ci![0]).toBeGreaterThan(0.25);
    expect(report.verdict).toBe('fail');
  });

  it('flags a slower backoff as a backoff regression with a Hodges-Lehmann shift', () => {
    const { report } = analyze(
      scenario(4, [], [{ upstream: 'payments-api', calls: 20_000, failBefore: 0.05, baseBefore: 50, baseAfter: 400 }]),
      settings,
    );
    const f = find(report, 'backoff', 'payments-api', 'median_wait');
    expect(f.status).toBe('regression');
    expect(f.after! - f.before!).toBeGreaterThan(20);
    expect(Number(f.details!.shiftMs)).toBeGreaterThan(50);
    expect(find(report, 'retry_rate', 'payments-api', 'retries_per_call').status).toBe('no_change');
  });

  it('does not call a 1 % slowdown on 500 000 samples a regression (significant but within tolerance → warn)', () => {
    const { report } = analyze(
      scenario(5, [{ endpoint: '/search', n: 500_000, after: (v) => v * 1.01 }]),
      defaultSettings({ quantiles: [0.5, 0.9, 0.99] }),
    );
    const p50 = find(report, 'tail_latency', '/search', 'p50');
    expect(p50.qValue!).toBeLessThan(0.05);
    expect(p50.status).toBe('no_change');
    expect(p50.reason).toMatch(/within the tolerance/);
    expect(report.findings.some((f) => f.status === 'regression')).toBe(false);
    expect(report.verdict).toBe('warn');
  });

  it('reports insufficient_data when a window is too small for the quantile', () => {
    const { report } = analyze(
      scenario(6, [{ endpoint: '/rare', n: 500, after: (v) => v * 3 }], [{ upstream: 'tiny-api', calls: 50, failBefore: 0.1 }]),
      settings,
    );
    const p99 = find(report, 'tail_latency', '/rare', 'p99');
    expect(p99.status).toBe('insufficient_data');
    expect(p99.pValue).toBeNull();
    expect(p99.qValue).toBeNull();
    expect(p99.reason).toMatch(/needs at least 1,000 requests in each window; had 500 before and 500 after/);
    expect(find(report, 'tail_latency', '/rare', 'p99.9').reason).toMatch(/at least 10,000/);
    // p50 has enough data (needs 20) and the 3× slowdown is caught there
    expect(find(report, 'tail_latency', '/rare', 'p50').status).toBe('regression');
    expect(find(report, 'retry_rate', 'tiny-api', 'retries_per_call').status).toBe('insufficient_data');
    expect(find(report, 'backoff', 'tiny-api', 'median_wait').status).toBe('insufficient_data');
    expect(report.verdict).toBe('fail');
  });

  it('marks a subject present in one window only as insufficient data, not a crash', () => {
    const w = scenario(7, [{ endpoint: '/new', n: 2000 }]);
    w.latency[0].before = { kind: 'raw', values: new Float64Array(0) };
    const { report } = analyze(w, settings);
    expect(report.findings.every((f) => f.status === 'insufficient_data')).toBe(true);
    expect(find(report, 'tail_latency', '/new', 'p50').before).toBeNull();
    expect(report.verdict).toBe('warn');
  });

  it('reports a large improvement as improvement, and the verdict stays pass', () => {
    const { report } = analyze(scenario(8, [{ endpoint: '/cart', n: 20_000, after: (v) => v * 0.5 }]), settings);
    expect(find(report, 'tail_latency', '/cart', 'p99').status).toBe('improvement');
    expect(report.verdict).toBe('pass');
  });

  it('is deterministic and JSON-serialisable', () => {
    const w = scenario(9, [{ endpoint: '/a', n: 3000 }], [{ upstream: 'x', calls: 3000, failBefore: 0.05 }]);
    const a = JSON.stringify(analyze(w, settings));
    const b = JSON.stringify(analyze(w, settings));
    expect(a).toBe(b);
  });

  it('works on histogram input and states the bucket resolution', async () => {
    const { logBucketBounds, bucketIndex } = await import('../../src/stats/index.ts');
    const bounds = logBucketBounds({ min: 0.1, max: 600_000, perDecade: 40 });
    const toHist = (values: Float64Array) => {
      const counts = new Float64Array(bounds.length);
      for (const v of values) counts[bucketIndex(bounds, v)]++;
      return { kind: 'histogram' as const, upperBounds: bounds, counts };
    };
    const mu = Math.log(80);
    const p97 = Math.exp(mu + 0.5 * 1.880793608151251);
    const w = scenario(10, [{ endpoint: '/checkout', n: 30_000, after: (v) => (v > p97 ? v * 2.5 : v) }]);
    const raw = analyze(w, settings).report;
    const s = w.latency[0];
    s.before = toHist((s.before as { values: Float64Array }).values);
    s.after = toHist((s.after as { values: Float64Array }).values);
    const hist = analyze(w, settings).report;
    for (const stat of ['p50', 'p90', 'p95', 'p99', 'p99.9']) {
      const r = find(raw, 'tail_latency', '/checkout', stat);
      const h = find(hist, 'tail_latency', '/checkout', stat);
      expect(h.status).toBe(r.status);
      expect(h.resolution!).toBeGreaterThan(0);
      expect(h.resolution!).toBeLessThan(0.07);
      expect(Math.abs(h.before! / r.before! - 1)).toBeLessThanOrEqual(h.resolution!);
      expect(Math.abs(h.after! / r.after! - 1)).toBeLessThanOrEqual(h.resolution!);
    }
  });
});
