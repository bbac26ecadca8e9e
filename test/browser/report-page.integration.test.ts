/// <reference lib="dom" />
/**
 * The report page in a real browser: Debian's Chromium (driven by playwright-core) against the running
 * server (src/server.ts on a free port, demo analysis queued on first start, exactly what `npm start`
 * does). From the landing page to the report: no console errors, every chart visible with a real size
 * and readable text, headings and table semantics in place; a full-page screenshot is kept in
 * test-artifacts/ for people to look at.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';
import { CHROMIUM_ARGS } from '../setup/chromium.global.ts';
import { blankRightColumns, probeChartLayout } from './chart-layout-probe.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
/** Smallest text a reader can be asked to read on a chart axis. */
const MIN_FONT_PX = 9;

interface ChartProbe {
  name: string;
  label: string | null;
  width: number;
  height: number;
  visible: boolean;
  texts: number;
  emptyTexts: number;
  smallestFontPx: number;
  titleText: string;
}

async function pollDone(base: string, id: string, timeoutMs = 90_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(`${base}/v1/analyses/${id}`)).json()) as { status: string; error?: string };
    if (body.status === 'done' || body.status === 'failed') return body.status === 'done' ? 'done' : `failed: ${body.error}`;
    if (Date.now() > until) throw new Error(`analysis ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('report page in Chromium against the running server', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-browser-'));
    // No tokens and a loopback host: reads are open, as for a first `npm start`.
    server = await startServer({ config: loadConfig(), env: { PORT: '0', HOST: '127.0.0.1', AFTERSHOCK_DATA_DIR: dir, LOG_LEVEL: 'warn' } });
    const id = server.service.demoAnalysisId;
    expect(id, 'the server queues a demo analysis on first start').toBeTruthy();
    expect(await pollDone(server.url, id!)).toBe('done');
    browser = await chromium.launch({ executablePath: inject('chromiumPath'), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('requestfailed', (r) => failedRequests.push(r.url()));
    page.on('response', (r) => r.status() >= 400 && failedRequests.push(`${r.status()} ${r.url()}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reaches the report from the landing page and loads it without console errors', async () => {
    await page.goto(server.url + '/');
    const link = page.getByRole('link', { name: 'report', exact: true }).first();
    await expect.poll(() => link.count()).toBe(1);
    // Judge the report page alone: the landing page belongs to the service routes.
    consoleErrors.length = 0;
    failedRequests.length = 0;
    await link.click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/\/v1\/analyses\/[^/]+\/report\.html$/);
    expect(await page.title()).toMatch(/^aftershock report: (pass|warn|fail) — upgrade at /);
    expect(consoleErrors.join('\n')).toBe('');
    expect(failedRequests).toEqual([]);
  });

  it('states the verdict in one sentence above everything else', async () => {
    const verdict = page.locator('#verdict');
    await expect.poll(() => verdict.isVisible()).toBe(true);
    const text = (await verdict.textContent()) ?? '';
    // The demo data has a /checkout tail regression and a payments-api retry/backoff regression.
    expect(text).toMatch(/^Fail: .+\.$/);
    const box = await verdict.boundingBox();
    const firstChart = await page.locator('figure.chart svg').first().boundingBox();
    expect(box!.y).toBeLessThan(firstChart!.y);
    const headings = await page.locator('h1, h2, h3').evaluateAll((hs) => hs.map((h) => `${h.tagName} ${h.textContent}`));
    expect(headings[0]).toBe('H1 Upgrade report');
    expect(headings).toContain('H2 Regressions');
    expect(headings.indexOf('H2 Regressions')).toBeLessThan(headings.indexOf('H2 Everything else'));
  });

  it('shows every chart with a real size, an accessible name and readable text', async () => {
    const charts: ChartProbe[] = await page.locator('figure.chart').evaluateAll((figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg')!;
        const r = svg.getBoundingClientRect();
        const style = getComputedStyle(svg);
        const texts = Array.from(svg.querySelectorAll('text'));
        // Rendered size = CSS size × the scale of the SVG's transform (hypot: rotated axis titles have a = 0).
        const scaleOf = (t: SVGTextElement) => {
          const m = t.getScreenCTM();
          return m ? Math.hypot(m.a, m.b) : 1;
        };
        const sizes = texts.filter((t) => (t.textContent ?? '').trim() !== '').map((t) => parseFloat(getComputedStyle(t).fontSize) * scaleOf(t));
        const labelIds = (svg.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean);
        return {
          name: f.id,
          label: labelIds.map((id: string) => document.getElementById(id)?.textContent ?? '').join(' | ') || null,
          width: r.width,
          height: r.height,
          visible: style.display !== 'none' && style.visibility !== 'hidden' && Number(style.opacity) > 0,
          texts: texts.length,
          emptyTexts: texts.filter((t) => (t.textContent ?? '').trim() === '').length,
          smallestFontPx: sizes.length ? Math.min(...sizes) : 0,
          titleText: texts[0]?.textContent ?? '',
        };
      }),
    );
    expect(charts.length).toBeGreaterThanOrEqual(8);
    for (const c of charts) {
      expect(c.visible, c.name).toBe(true);
      expect(c.width, c.name).toBeGreaterThan(200);
      expect(c.height, c.name).toBeGreaterThan(120);
      expect(c.label, c.name).toMatch(/.{20,}/);
      expect(c.texts, c.name).toBeGreaterThan(5);
      expect(c.emptyTexts, c.name).toBe(0);
      expect(c.smallestFontPx, `${c.name}: ${JSON.stringify(c)}`).toBeGreaterThanOrEqual(MIN_FONT_PX);
    }
    // Each chart's role="img" is what assistive technology announces.
    expect(await page.getByRole('img').count()).toBe(charts.length);
    // The checkout regression comes with its own charts in the regression section.
    expect(charts.map((c) => c.name)).toContain('chart-latency-distribution--shop--checkout');
  });

  it('has a findings table with caption, column and row headers', async () => {
    const table = page.getByRole('table');
    await expect.poll(() => table.count()).toBe(1);
    expect(await table.locator('caption').textContent()).toMatch(/^All \d+ findings, regressions first$/);
    expect(await table.locator('thead th[scope="col"]').count()).toBe(10);
    const rows = await table.locator('tbody tr').count();
    expect(rows).toBeGreaterThan(10);
    expect(await table.locator('tbody th[scope="row"]').count()).toBe(rows);
  });

  it('serves the linked PNG of a chart as a real image', async () => {
    const href = await page.locator('figure.chart a', { hasText: 'PNG' }).first().getAttribute('href');
    const res = await page.request.get(server.url + href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('image/png');
    expect((await res.body()).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('shows the same charts with JavaScript turned off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    try {
      const noJs = await context.newPage();
      const res = await noJs.goto(page.url());
      expect(res?.status()).toBe(200);
      expect(await noJs.locator('#verdict').textContent()).toBe(await page.locator('#verdict').textContent());
      const sizes = await noJs.locator('figure.chart svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      expect(sizes.length).toBe(await page.locator('figure.chart svg').count());
      for (const w of sizes) expect(w).toBeGreaterThan(200);
    } finally {
      await context.close();
    }
  });

  it('lays every chart out cleanly: no overlapping text, no orphan axes, even panel titles, real panel sizes, head room, visible intervals', async () => {
    const probes = await Promise.all((await page.locator('figure.chart').all()).map((f) => f.evaluate(probeChartLayout)));
    expect(probes.length).toBeGreaterThanOrEqual(8);
    for (const p of probes) {
      expect(p.problems, p.name).toEqual([]);
      expect(p.frames, p.name).toBeGreaterThan(0);
    }
    // The small multiples are there and were checked, with panels of a real height.
    const multiples = probes.filter((p) => p.name.endsWith('-all'));
    expect(multiples.map((p) => p.name)).toEqual(expect.arrayContaining(['chart-latency-over-time-all', 'chart-backoff-distribution-all']));
    for (const p of multiples) expect(p.smallestFrameHeight, p.name).toBeGreaterThanOrEqual(100);
  });

  it('exports the percentile chart as a PNG without a wide empty right margin', async () => {
    const href = await page.locator('#chart-latency-percentiles--shop--checkout a', { hasText: 'PNG' }).getAttribute('href');
    const res = await page.request.get(server.url + href);
    expect(res.status()).toBe(200);
    const dataUrl = `data:image/png;base64,${(await res.body()).toString('base64')}`;
    const measured = await page.evaluate(blankRightColumns, dataUrl);
    // At the default 2× scale; it was ~520 px (the layout reserved room for text a third wider than drawn).
    expect(measured.width).toBeGreaterThan(400);
    expect(measured.blank).toBeLessThan(48);
  });

  it('keeps a full-page screenshot as a test artifact', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'report-page.png');
    const png = await page.screenshot({ path: file, fullPage: true });
    expect(png.length).toBeGreaterThan(50_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-page-viewport.png') });
    expect(consoleErrors).toEqual([]);
  });
});
