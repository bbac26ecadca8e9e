/**
 * The chart fixes of issue 15, at the spec and raster level (the browser test checks the same in Chromium):
 * real text widths (no blank right margin in a PNG), rings and capped bars on the percentile chart, head
 * room on value axes, one axis per panel in small multiples, and ECDF steps for few observations.
 */
import { describe, expect, it } from 'vitest';
import { sketchOf } from '../../src/analysis/series.ts';
import { viewOf } from '../../src/analysis/sample-view.ts';
import { findChart } from '../../src/charts/chart-catalog.ts';
import { distributionRows } from '../../src/charts/distribution-chart.ts';
import { CAP_WIDTH_PX } from '../../src/charts/quantile-chart.ts';
import { renderSvg, svgToRaster, type Raster } from '../../src/charts/render.ts';
import { textWidth } from '../../src/charts/text-width.ts';
import { valueDomain } from '../../src/charts/timeline-chart.ts';
import { manyEndpointsResult, regressionResult } from './fixtures.ts';

/** Columns of white pixels at the right edge of a raster (background is #ffffff). */
function blankRightColumns(r: Raster): number {
  for (let x = r.width - 1; x >= 0; x--) {
    for (let y = 0; y < r.height; y++) {
      const i = (y * r.width + x) * 4;
      if (r.pixels[i] < 245 || r.pixels[i + 1] < 245 || r.pixels[i + 2] < 245) return r.width - 1 - x;
    }
  }
  return r.width;
}

describe('chart layout', () => {
  const result = regressionResult();

  it('measures text with DejaVu Sans widths, not 0.8 em per character', () => {
    // "Latency" in DejaVu Sans at 12 px: L 557 + a 613 + t 392 + e 615 + n 634 + c 550 + y 592 units of 1000.
    expect(textWidth('Latency', 12)).toBeCloseTo((557 + 613 + 392 + 615 + 634 + 550 + 592) * 0.012, 6);
    expect(textWidth('Latency', 12, true)).toBeGreaterThan(textWidth('Latency', 12));
    expect(textWidth('Latency', 12)).toBeLessThan(0.8 * 7 * 12 * 0.75);
  });

  it('leaves no wide empty margin on the right of the percentile chart PNG', async () => {
    const chart = findChart(result, 'latency-percentiles--shop--checkout')!;
    const raster = await svgToRaster(await renderSvg(chart.spec), { scale: 1 });
    // Was ~260 px at scale 1: the layout reserved room for text 35 % wider than drawn.
    expect(blankRightColumns(raster)).toBeLessThan(24);
  });

  it('draws percentile estimates as rings with caps wider than the ring, so intervals are never hidden', () => {
    const spec = findChart(result, 'latency-percentiles--shop--checkout')!.spec as unknown as { layer: Array<{ mark: { type: string; filled?: boolean; size?: number } }> };
    const points = spec.layer.filter((l) => l.mark.type === 'point');
    expect(points).toHaveLength(1);
    expect(points[0].mark.filled).toBe(false);
    const caps = spec.layer.filter((l) => l.mark.type === 'tick');
    expect(caps).toHaveLength(2);
    // A ring of area 50 px² is 8 px across; the caps stick out on both sides.
    for (const c of caps) expect(c.mark.size).toBe(CAP_WIDTH_PX);
    expect(CAP_WIDTH_PX).toBeGreaterThan(2 * Math.sqrt(points[0].mark.size! / Math.PI) + 4);
  });

  it('gives value axes head room: peaks do not touch the frame', () => {
    const [zero, top] = valueDomain([10, 200], false)!;
    expect(zero).toBe(0);
    expect(top).toBeCloseTo(230);
    const [lo, hi] = valueDomain([100, 1000], true)!;
    expect(lo).toBeCloseTo(100 / 1.15);
    expect(hi).toBeCloseTo(1150);
    expect(valueDomain([], true)).toBeNull();
    const spec = findChart(result, 'latency-over-time--shop--checkout')!.spec as unknown as { layer: Array<{ encoding: { y: { scale: { domain: number[] } } } }> };
    const domain = spec.layer[0].encoding.y.scale.domain;
    const rows = (findChart(result, 'latency-over-time--shop--checkout')!.spec as unknown as { data: { values: Array<{ value: number }> } }).data.values;
    const max = Math.max(...rows.map((r) => r.value));
    expect(domain[1]).toBeGreaterThan(max * 1.1);
  });

  it('gives every small-multiple panel its own value axis (no orphan axes under empty grid cells)', () => {
    const many = manyEndpointsResult(6);
    for (const name of ['latency-over-time-all', 'latency-distribution-all', 'retries-over-time-all']) {
      const spec = findChart(many, name)!.spec as unknown as { resolve: { axis: { x: string } } };
      expect(spec.resolve.axis.x, name).toBe('independent');
    }
  });

  it('draws the real steps of a few observations, not interpolated quantiles', () => {
    const four = sketchOf(viewOf({ kind: 'raw', values: Float64Array.from([120, 40, 400, 90]) }));
    expect(four.exact).toEqual([40, 90, 120, 400]);
    const rows = distributionRows('x', four, { probs: [], values: [], n: 0 });
    // Shares 1/4, 2/4, 3/4 at the observed values; the fourth (share 1) has no place on the tail's log axis.
    expect(rows.map((r) => [r.value, r.share])).toEqual([[40, 0.25], [90, 0.5], [120, 0.75]]);
    const ties = sketchOf(viewOf({ kind: 'raw', values: Float64Array.from([50, 50, 50, 80, 90]) }));
    expect(distributionRows('x', ties, ties).filter((r) => r.window === 'Before upgrade').map((r) => [r.value, r.share])).toEqual([[50, 0.6], [80, 0.8]]);
    const big = sketchOf(viewOf({ kind: 'raw', values: Float64Array.from({ length: 1000 }, (_, i) => i + 1) }));
    expect(big.exact).toBeUndefined();
  });
});
