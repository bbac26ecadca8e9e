import { describe, expect, it } from 'vitest';
import { exceedanceTest } from '../../src/analysis/tail-latency.ts';
import { viewOf } from '../../src/analysis/sample-view.ts';
import { blockCountsAtOrBelow, blockTotals } from '../../src/analysis/time-blocks.ts';
import { analyze } from '../../src/analysis/analyze.ts';
import type { MetricWindows } from '../../src/analysis/types.ts';
import { defaultSettings } from './settings.ts';

/** Integer latencies 1…5 ms with the given count of each value (index 0 = 1 ms). */
function tied(counts: number[]): Float64Array {
  const out: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) out.push(i + 1);
  });
  return Float64Array.from(out);
}

describe('exceedanceTest with ties at the pooled quantile', () => {
  // Before: 1…5 ms equally often (5 is 20 %). After: 5 ms is a third of the requests. The pooled p75 is 5,
  // the largest value, so "share above 5" is 0 on both sides and says nothing, although p75 moved 4 → 5.
  const before = viewOf({ kind: 'raw', values: tied([600, 600, 600, 600, 600]) });
  const after = viewOf({ kind: 'raw', values: tied([500, 500, 500, 500, 1000]) });

  it('splits at "≥ threshold" when that puts the pooled share closer to 1 − q, and detects the shift', () => {
    const r = exceedanceTest(before, after, 0.75)!;
    expect(r.threshold).toBe(5);
    expect(r.aboveBefore).toBe(600);
    expect(r.aboveAfter).toBe(1000);
    expect(r.pValue).toBeLessThan(1e-10);
  });

  it('keeps the strict split when the tie group is a single value (continuous data unchanged)', () => {
    const b = viewOf({ kind: 'raw', values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) });
    const a = viewOf({ kind: 'raw', values: Float64Array.from([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5]) });
    const r = exceedanceTest(b, a, 0.5)!;
    expect(r.threshold).toBe(5.5);
    expect(r.aboveBefore + r.aboveAfter).toBe(10);
  });

  it('makes the p75 finding a regression with tolerance 0 (estimates 4 → 5 ms)', () => {
    const windows: MetricWindows = {
      upgradeAt: 0,
      before: { start: -1, stop: 0 },
      after: { start: 0, stop: 1 },
      latency: [{ service: 's', endpoint: '/e', before: { kind: 'raw', values: tied([600, 600, 600, 600, 600]) }, after: { kind: 'raw', values: tied([500, 500, 500, 500, 1000]) } }],
      upstreams: [],
      warnings: [],
    };
    const zero = { relative: 0, absolute: 0 };
    const settings = defaultSettings({ quantiles: [0.75], tolerance: { tail: zero, retryRate: zero, exhaustedRate: zero, backoff: zero } });
    const f = analyze(windows, settings).report.findings[0];
    expect([f.before, f.after]).toEqual([4, 5]);
    expect(f.status).toBe('regression');
  });
});

describe('tail findings when the two windows come on different bucket layouts', () => {
  // The upgrade shipped new instrumentation: more `le` buckets after it. Latency doubled.
  const edgesBefore = [10, 25, 50, 100, 250, 500, Infinity];
  const edgesAfter = [10, 25, 50, 75, 100, 250, 500, 1000, Infinity];
  const bin = (values: number[], edges: number[]) => {
    const counts = new Float64Array(edges.length);
    for (const v of values) counts[edges.findIndex((e) => v <= e)]++;
    return { kind: 'histogram' as const, upperBounds: Float64Array.from(edges), counts };
  };
  const sample = (scale: number) => Array.from({ length: 12_000 }, (_, i) => scale * 40 * Math.exp(0.5 * Math.sqrt(2) * inverseErf(2 * ((i + 0.5) / 12_000) - 1)));
  const windowsOf = (before: MetricWindows['latency'][number]['before'], after: MetricWindows['latency'][number]['after']): MetricWindows => ({
    upgradeAt: 0,
    before: { start: -1, stop: 0 },
    after: { start: 0, stop: 1 },
    latency: [{ service: 's', endpoint: '/x', before, after }],
    upstreams: [],
    warnings: [],
  });

  it('compares them on the edges both layouts share and finds the regression (it was "no change, q = n/a", verdict pass)', () => {
    const { report } = analyze(windowsOf(bin(sample(1), edgesBefore), bin(sample(2), edgesAfter)), defaultSettings());
    const p50 = report.findings.find((f) => f.statistic === 'p50')!;
    expect(p50.test).toMatch(/^mood-quantile-test/);
    expect(p50.status).toBe('regression');
    expect(report.verdict).toBe('fail');
  });

  it('bins raw values onto the other window\'s buckets when one window is raw and the other a histogram', () => {
    const { report } = analyze(windowsOf({ kind: 'raw', values: Float64Array.from(sample(1)) }, bin(sample(2), edgesAfter)), defaultSettings());
    expect(report.findings.find((f) => f.statistic === 'p50')!.status).toBe('regression');
  });

  it('reports insufficient data, not "no significant change", when the layouts share no finite edge', () => {
    const { report } = analyze(windowsOf(bin(sample(1), [30, 300, Infinity]), bin(sample(2), [20, 200, Infinity])), defaultSettings());
    const p50 = report.findings.find((f) => f.statistic === 'p50')!;
    expect(p50.status).toBe('insufficient_data');
    expect(p50.reason).toMatch(/bucket/);
    expect(report.verdict).toBe('warn');
  });
});

/** Inverse error function (Giles 2010 single-precision approximation is enough for test quantiles). */
function inverseErf(x: number): number {
  const w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    const v = w - 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * v;
  } else {
    const v = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * v;
  }
  return p * x;
}

describe('per-block counts shared between quantiles (issue 12)', () => {
  it('blockTotals is computed once per view and left as it is by blockCountsAtOrBelow', () => {
    const view = viewOf({ kind: 'raw', values: Float64Array.from([5, 1, 9, 3, 7]), blocks: Uint32Array.from([0, 0, 1, 2, 2]) }, 3);
    const totals = blockTotals(view)!;
    expect(Array.from(totals)).toEqual([2, 1, 2]);
    expect(Array.from(blockCountsAtOrBelow(view, 5)!)).toEqual([2, 0, 1]);
    const scratch = new Float64Array(3).fill(99);
    expect(Array.from(blockCountsAtOrBelow(view, 3, () => scratch.fill(0))!)).toEqual([1, 0, 1]);
    expect(blockTotals(view)).toBe(totals);
    expect(Array.from(totals)).toEqual([2, 1, 2]);
  });
});
