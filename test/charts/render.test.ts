import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCharts, findChart } from '../../src/charts/chart-catalog.ts';
import { DEFAULT_FONT_FILES, renderPng, renderSvg, svgToRaster, type Raster } from '../../src/charts/render.ts';
import { isAppError } from '../../src/errors.ts';
import { regressionResult } from './fixtures.ts';

/** Pixels darker than mid-grey inside a rectangle: text is #111 on white, so drawn text makes many. */
function darkPixels(r: Raster, box: { x0: number; y0: number; x1: number; y1: number }): number {
  let n = 0;
  for (let y = box.y0; y < Math.min(box.y1, r.height); y++) {
    for (let x = box.x0; x < Math.min(box.x1, r.width); x++) {
      const i = (y * r.width + x) * 4;
      if (r.pixels[i] < 110 && r.pixels[i + 1] < 110 && r.pixels[i + 2] < 110) n++;
    }
  }
  return n;
}

describe('render', () => {
  const result = regressionResult();
  const chart = findChart(result, 'latency-distribution--shop--checkout')!;
  // The chart title is drawn in the top-left band; no line or axis reaches up there.
  const titleBand = { x0: 0, y0: 0, x1: 420, y1: 22 };

  it('draws an SVG with the title as text and an accessible name', async () => {
    const warnings: string[] = [];
    const svg = await renderSvg(chart.spec, { title: chart.title, description: chart.description, idPrefix: 'c1', onWarning: (m) => warnings.push(m) });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/^<svg role="img" aria-labelledby="c1-title c1-desc" /);
    expect(svg).toContain('<title id="c1-title">/checkout: request latency before and after the upgrade</title>');
    expect(svg).toContain('>/checkout: request latency before and after the upgrade</text>');
    expect(svg).toContain('>Before upgrade</text>');
    expect(warnings).toEqual([]);
  });

  it('draws the text into the PNG with DejaVu Sans, and the check notices when text vanishes', async () => {
    expect(existsSync(DEFAULT_FONT_FILES[0]), 'fonts-dejavu-core must be installed (test/setup/chromium.global.ts does it)').toBe(true);
    const svg = await renderSvg(chart.spec);
    const withFont = await svgToRaster(svg, { scale: 1 });
    const withoutFont = await svgToRaster(svg, { scale: 1, fontFiles: [], systemFonts: false });
    expect(darkPixels(withFont, titleBand)).toBeGreaterThan(300);
    // Same SVG with no font loaded: resvg silently drops all text, the title band is blank.
    expect(darkPixels(withoutFont, titleBand)).toBe(0);
    const all = { x0: 0, y0: 0, x1: withFont.width, y1: withFont.height };
    expect(darkPixels(withFont, all)).toBeGreaterThan(darkPixels(withoutFont, all) + 2000);
  });

  it('draws no empty text elements and no warnings in any chart (blank log-axis labels would be both)', async () => {
    for (const c of buildCharts(result)) {
      const warnings: string[] = [];
      const svg = await renderSvg(c.spec, { onWarning: (m) => warnings.push(m) });
      expect(svg.match(/<text[^>]*><\/text>/g) ?? [], c.name).toEqual([]);
      expect(warnings, c.name).toEqual([]);
    }
  });

  it('renders a PNG at twice the SVG size by default', async () => {
    const svg = await renderSvg(chart.spec);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    const png = await renderPng(chart.spec);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(width * 2);
  });

  it('reports a broken spec as an AppError, not a crash', async () => {
    const broken = { mark: 'no-such-mark', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a', type: 'quantitative' } } };
    const err = await renderSvg(broken as never).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('INTERNAL');
    expect((err as Error).message).toMatch(/^chart rendering failed: /);
  });

  it('passes Vega-Lite warnings to the caller', async () => {
    const odd = { mark: 'point', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a', type: 'quantitative' }, fontWeight: { value: 'bold' } } };
    const warnings: string[] = [];
    await renderSvg(odd as never, { onWarning: (m) => warnings.push(m) });
    expect(warnings.join('\n')).toMatch(/fontWeight/);
  });
});
