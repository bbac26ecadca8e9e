import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/analysis/types.ts';
import { logTickValues } from '../../src/charts/chart-style.ts';
import { quantileComparisonSpec, quantileRows } from '../../src/charts/quantile-chart.ts';

/** p99.9 of a 1 h window: the upper interval end is unbounded (too few requests beyond it), Infinity in memory. */
const openEnded: Finding = {
  kind: 'tail_latency', service: 'shop', subject: '/checkout', statistic: 'p99.9', unit: 'ms', before: 450, after: 900,
  beforeCi: [400, Infinity], afterCi: [800, Infinity], relativeChange: 1, ci: null, test: 'none', pValue: null, qValue: null,
  status: 'insufficient_data', nBefore: 5000, nAfter: 5000, reason: 'Insufficient data: …',
};

describe('percentile chart with an unbounded interval end', () => {
  it('draws the estimate without the open end, so the axis domain stays finite', () => {
    const rows = quantileRows([openEnded]);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(Number.isFinite(r.hi)).toBe(true);
      expect(Number.isFinite(r.labelY)).toBe(true);
    }
    const spec = quantileComparisonSpec({ title: 't', description: 'd', findings: [openEnded], unit: 'ms' }) as unknown as {
      layer: Array<{ encoding: { y: { scale?: { domain?: number[] }; axis?: { values?: number[] } } } }>;
    };
    const y = spec.layer[0].encoding.y;
    expect(y.scale!.domain!.every(Number.isFinite)).toBe(true);
    expect(y.axis!.values!.length).toBeGreaterThan(0);
  });

  it('gives no ticks for an infinite range instead of looping without end', () => {
    expect(logTickValues(1, Infinity)).toEqual([]);
  });
});
