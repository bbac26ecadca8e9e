/**
 * The Kayenta-style judge against Kayenta's own test suites (literal inputs and expected values, several of them
 * tied out with R's wilcox.test by the Kayenta authors), extracted into fixtures/kayenta-mann-whitney.json from
 * spinnaker/kayenta a69573be: MannWhitneySuite.scala and ClassifierSuite.scala (the non-critical, mean-ratio cases).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MetricWindows } from '../../src/analysis/types.ts';
import { classifyMetric, kayentaJudge, metricPairs, type Direction } from './kayenta-judge.ts';
import { kayentaMannWhitney, wilcoxonDiff } from './kayenta-mann-whitney.ts';

interface Fixture {
  wilcoxonDiff: { x: number[]; y: number[]; expected: Array<{ mu: number; quantile: number; value: number }>; tolerance: number };
  tieOutR: { experiment: number[]; control: number[]; confidenceLevel: number; lower: number; upper: number; estimate: number };
  tieOutRLarge: Fixture['tieOutR'];
  classifier: Array<{ name: string; experiment: number[]; control: number[]; tolerance: number; confLevel: number; effectSizeThresholds: [number, number]; direction: Direction; expected: string }>;
}

const fx = JSON.parse(readFileSync(new URL('./fixtures/kayenta-mann-whitney.json', import.meta.url), 'utf8')) as Fixture;
const sorted = (v: number[]) => Float64Array.from(v).sort();

describe('Kayenta Mann-Whitney port', () => {
  it('reproduces wilcoxonDiff', () => {
    const { x, y, expected, tolerance } = fx.wilcoxonDiff;
    for (const e of expected) expect(Math.abs(wilcoxonDiff(e.mu, e.quantile, sorted(x), sorted(y)) - e.value)).toBeLessThan(tolerance);
  });

  it('reproduces the 4-vs-4 interval and estimate', () => {
    const r = kayentaMannWhitney([10, 20, 30, 40], [1, 2, 3, 4], 0.95);
    expect(r.lower).toBeCloseTo(6, 5);
    expect(r.upper).toBeCloseTo(39, 5);
    expect(r.estimate).toBeCloseTo(22.5, 5);
  });

  it.each([['tieOutR' as const], ['tieOutRLarge' as const]])('ties out with R (%s)', (key) => {
    const c = fx[key];
    const r = kayentaMannWhitney(c.experiment, c.control, c.confidenceLevel);
    // Kayenta's own tolerances: 1e-6 on the interval ends, 1e-4 on the estimate.
    expect(Math.abs(r.lower - c.lower)).toBeLessThan(1e-6);
    expect(Math.abs(r.upper - c.upper)).toBeLessThan(1e-6);
    expect(Math.abs(r.estimate - c.estimate)).toBeLessThan(1e-4);
  });

  it.each(fx.classifier.map((c) => [c.name, c] as const))('classifies like Kayenta: %s', (_name, c) => {
    const r = classifyMetric(c.control, c.experiment, { tolerance: c.tolerance, confLevel: c.confLevel, effectSizeThresholds: c.effectSizeThresholds, direction: c.direction });
    expect(r.classification).toBe(c.expected);
  });
});

describe('Kayenta-style judge on MetricWindows', () => {
  const H = 3_600_000;
  const t0 = Date.parse('2026-11-20T12:00:00Z');
  const minutes = 240;
  /** A window pair whose timeline is built by hand: p99 per minute 200 before, `after` after. */
  function windows(after: number): MetricWindows {
    const t = Float64Array.from({ length: minutes }, (_, i) => t0 + i * 60_000);
    const count = new Float64Array(minutes).fill(400);
    const wobble = (i: number) => 1 + 0.01 * Math.sin(i * 1.7);
    const p99 = Float64Array.from({ length: minutes }, (_, i) => (i < 120 ? 200 : after) * wobble(i));
    const p50 = Float64Array.from({ length: minutes }, (_, i) => 80 * wobble(i + 3));
    const empty = { kind: 'raw' as const, values: new Float64Array(0) };
    return {
      upgradeAt: t0 + 2 * H,
      before: { start: t0, stop: t0 + 2 * H },
      after: { start: t0 + 2 * H, stop: t0 + 4 * H },
      latency: [{ service: 'shop', endpoint: '/checkout', before: empty, after: empty, timeline: { intervalMs: 60_000, t, count, p50, p99 } }],
      upstreams: [],
      warnings: [],
    };
  }

  it('fails a report whose per-minute p99 rose beyond the gate, passes one within it', () => {
    const up = kayentaJudge(metricPairs(windows(240)));
    expect(up.verdict).toBe('fail');
    expect(up.metrics.find((m) => m.statistic === 'p99')?.classification).toBe('High');
    expect(up.metrics.find((m) => m.statistic === 'p50')?.classification).toBe('Pass');
    // +5 % is significant with this little noise but below the 1.10 mean-ratio gate
    expect(kayentaJudge(metricPairs(windows(210))).verdict).toBe('pass');
    expect(kayentaJudge(metricPairs(windows(210)), { latencyEffect: [1, 1] }).verdict).toBe('fail');
  });

  it('leaves out minutes with too few requests for the quantile', () => {
    const w = windows(240);
    w.latency[0].timeline!.count.fill(50); // < 100 requests: no per-minute p99, but a p50
    const k = kayentaJudge(metricPairs(w));
    expect(k.metrics.find((m) => m.statistic === 'p99')?.classification).toBe('Nodata');
    expect(k.metrics.find((m) => m.statistic === 'p50')?.classification).toBe('Pass');
  });
});
