/**
 * Chart rendering cost for a 20-endpoint report (issue 5): every chart to SVG (Vega headless) and to PNG
 * (resvg with DejaVu), per chart and in total, and the full HTML page. Target: the page in under 1 s.
 * Reference in the same run: a bare two-point Vega-Lite line chart (the fixed cost of one compile + view +
 * toSVG), so per-chart numbers read as multiples of the unavoidable overhead; and the page of the real demo
 * analysis (6 endpoints, 4 upstream APIs). Times are medians of BENCH_REPEATS (default 5) runs after a warm-up.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import { buildCharts } from '../src/charts/chart-catalog.ts';
import { renderHtmlReport } from '../src/report/html-report.ts';
import { renderSvg, svgToPng } from '../src/charts/render.ts';
import { loadConfig } from '../src/config.ts';
import { runAnalysis } from '../src/runtime/run-analysis.ts';
import { manyEndpointsResult } from '../test/charts/fixtures.ts';

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
export const DEFAULT_REPEATS = 5;
export const PAGE_TARGET_MS = 1000;
const ENDPOINTS = 20;

async function median(repeats: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const BARE: TopLevelSpec = {
  data: { values: [{ x: 1, y: 1 }, { x: 2, y: 3 }] },
  mark: 'line',
  encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
};

export async function run(): Promise<void> {
  const repeats = Number(process.env.BENCH_REPEATS ?? DEFAULT_REPEATS);
  const result = manyEndpointsResult(ENDPOINTS);
  const charts = buildCharts(result);
  await renderHtmlReport(result); // warm-up: JIT and module initialisation are not what we measure
  const bare = await median(repeats, () => renderSvg(BARE));

  const rows: Array<{ name: string; svgMs: number; pngMs: number; svgKb: number; pngKb: number }> = [];
  for (const c of charts) {
    const svg = await renderSvg(c.spec);
    const png = await svgToPng(svg);
    rows.push({
      name: c.name,
      svgMs: await median(repeats, () => renderSvg(c.spec)),
      pngMs: await median(repeats, () => svgToPng(svg)),
      svgKb: svg.length / 1024,
      pngKb: png.length / 1024,
    });
  }
  const totalSvg = rows.reduce((s, r) => s + r.svgMs, 0);
  const totalPng = rows.reduce((s, r) => s + r.pngMs, 0);
  const build = await median(repeats, async () => buildCharts(result));
  let pageBytes = 0;
  // CPU time next to wall time: on a shared 2-core machine the wall clock also measures everyone else.
  const cpuBefore = process.cpuUsage();
  const page = await median(repeats, async () => {
    pageBytes = (await renderHtmlReport(result)).length;
  });
  const cpu = process.cpuUsage(cpuBefore);
  const pageCpu = (cpu.user + cpu.system) / 1000 / repeats;
  const demo = await runAnalysis({ source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }, { config: loadConfig() });
  const demoPage = await median(repeats, () => renderHtmlReport(demo));

  console.log(`${ENDPOINTS}-endpoint report, ${charts.length} charts; medians of ${repeats} runs`);
  console.log(`reference: bare 2-point line chart → SVG ${bare.toFixed(1)} ms`);
  console.log(`${'chart'.padEnd(54)} ${'SVG ms'.padStart(8)} ${'× bare'.padStart(7)} ${'PNG ms'.padStart(8)} ${'SVG KB'.padStart(8)} ${'PNG KB'.padStart(8)}`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(54)} ${r.svgMs.toFixed(1).padStart(8)} ${(r.svgMs / bare).toFixed(1).padStart(7)} ${r.pngMs.toFixed(1).padStart(8)} ${r.svgKb.toFixed(0).padStart(8)} ${r.pngKb.toFixed(0).padStart(8)}`);
  }
  console.log(`total: ${charts.length} charts → SVG ${totalSvg.toFixed(0)} ms, SVG → PNG ${totalPng.toFixed(0)} ms; building all specs ${build.toFixed(1)} ms`);
  const verdict = page < PAGE_TARGET_MS ? 'meets' : 'MISSES';
  console.log(`full HTML page (${ENDPOINTS} endpoints, ${(pageBytes / 1024).toFixed(0)} KB): ${page.toFixed(0)} ms wall (${pageCpu.toFixed(0)} ms CPU, mean) — ${verdict} the ${PAGE_TARGET_MS} ms target; ${(page / bare).toFixed(0)}× the bare chart`);
  console.log(`full HTML page of the demo analysis (${demo.series.latency.length} endpoints, ${demo.series.upstreams.length} upstream APIs): ${demoPage.toFixed(0)} ms`);
  await mkdir(OUT, { recursive: true });
  await writeFile(path.join(OUT, 'render-charts.json'), JSON.stringify({ repeats, bareSvgMs: bare, charts: rows, totalSvgMs: totalSvg, totalPngMs: totalPng, pageMs: page, pageCpuMs: pageCpu, pageBytes, demoPageMs: demoPage }, null, 2));
}
