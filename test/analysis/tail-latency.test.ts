import { describe, expect, it } from 'vitest';
import { exceedanceTest } from '../../src/analysis/tail-latency.ts';
import { viewOf } from '../../src/analysis/sample-view.ts';
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
