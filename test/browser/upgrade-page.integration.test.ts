/// <reference lib="dom" />
/**
 * The upgrade page and the landing page in a real browser (Debian's Chromium via playwright-core) against
 * the running server, as `npm start` gives it: the demo upgrade is registered on first start and its analysis
 * runs. Landing page: upgrades first (status, age, services), then analyses with the guard's marked, timestamps
 * on one line. Upgrade page: the status in one sentence on top, every section, charts with real sizes and a clean
 * layout (the same probe as the report page), no console errors, the same with JavaScript off; screenshots are
 * kept in test-artifacts/.
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
import { probeChartLayout } from './chart-layout-probe.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

async function pollDone(base: string, id: string, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(`${base}/v1/analyses/${id}`)).json()) as { status: string; error?: string };
    if (body.status === 'done') return;
    if (body.status === 'failed') throw new Error(`demo analysis failed: ${body.error}`);
    if (Date.now() > until) throw new Error(`analysis ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('upgrade page and landing page in Chromium against the running server', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-browser-upgrade-'));
    server = await startServer({ config: loadConfig(), env: { PORT: '0', HOST: '127.0.0.1', AFTERSHOCK_DATA_DIR: dir, LOG_LEVEL: 'warn' } });
    expect(server.service.demoUpgradeId, 'the server registers the demo upgrade on first start').toBeTruthy();
    await pollDone(server.url, server.service.demoAnalysisId!);
    // One analysis made by the guard, so the landing page has one to mark.
    await server.service.deps.store.create({ request: { source: 'demo', upgradeAt: new Date().toISOString(), upgradeId: server.service.demoUpgradeId! }, owner: 'guard:browser-test' });
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

  it('lists upgrades first on the landing page, with status, age and services, and marks the guard\'s analyses', async () => {
    await page.goto(server.url + '/');
    const headings = await page.locator('h2').allTextContents();
    expect(headings.indexOf('Upgrades')).toBeLessThan(headings.indexOf('Analyses'));
    const row = page.locator('table.upgrades tbody tr').first();
    expect(await row.locator('th a').textContent()).toBe('shop 2.4.0 (demo)');
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toMatch(/^regressed: p99(\.9)? on \/checkout \+/);
    expect(cells[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC \(2 h ago\)$/);
    expect(cells[2]).toBe('accounts, shop');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'landing-page.png'), fullPage: true });
    // The guard's analysis is marked as such.
    expect(await page.locator('table.analyses .tag', { hasText: /^guard$/ }).count()).toBe(1);
    // Timestamps are minutes, and each fits on one line.
    const times = await page.locator('time').evaluateAll((ts) => ts.map((t) => ({ text: t.textContent ?? '', height: t.getBoundingClientRect().height, line: parseFloat(getComputedStyle(t).lineHeight) || 24 })));
    expect(times.length).toBeGreaterThanOrEqual(5);
    for (const t of times) {
      expect(t.text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      expect(t.height, t.text).toBeLessThan(t.line * 1.5);
    }
    expect(consoleErrors).toEqual([]);
  });

  it('opens the upgrade page from the landing page without console errors', async () => {
    consoleErrors.length = 0;
    failedRequests.length = 0;
    await page.locator('table.upgrades th a').first().click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/\/upgrades\/[0-9a-f-]+$/);
    expect(await page.title()).toMatch(/^Upgrade shop 2\.4\.0 \(demo\): regressed: /);
    expect(consoleErrors.join('\n')).toBe('');
    expect(failedRequests).toEqual([]);
  });

  it('says the status in one plain sentence above everything, then every section', async () => {
    const status = page.locator('#status');
    expect(await status.textContent()).toMatch(/^Regressed: p99(\.9)? on \/checkout \+[\d.]+ % \(and \d+ more\)\.$/);
    const statusBox = await status.boundingBox();
    const firstChart = await page.locator('figure.chart').first().boundingBox();
    expect(statusBox!.y).toBeLessThan(firstChart!.y);
    const headings = await page.locator('h1, h2').allTextContents();
    expect(headings).toEqual(['Upgrade shop 2.4.0 (demo)', 'Verdict over time', 'Timeline', 'Expectations', 'Guard decisions', 'Actions', 'Cleanup and rollback']);
    // The demo's regression begins with the upgrade (issue 11's onset), and the facts say so.
    expect(await page.locator('dl.facts').textContent()).toMatch(/Onset.*consistent with the upgrade/);
    const expectations = await page.locator('ul.expectations li').allTextContents();
    expect(expectations.some((t) => /^✔ Holds no-more-fallbacks/.test(t))).toBe(true);
    expect(expectations.some((t) => /^\? Not checked backoff-v2-on .*Unleash is not configured/.test(t))).toBe(true);
    // Tables have captions and header cells, like the report page's.
    for (const table of await page.locator('table').all()) {
      expect(await table.locator('caption').count()).toBe(1);
      expect(await table.locator('thead th[scope="col"]').count()).toBeGreaterThan(1);
    }
  });

  it('draws the verdict over time and the timeline with the upgrade marked, at real sizes and with a clean layout', async () => {
    const names = await page.locator('figure.chart').evaluateAll((fs) => fs.map((f) => f.id));
    expect(names).toEqual(['chart-verdict-history', 'chart-upgrade-timeline']);
    for (const f of await page.locator('figure.chart').all()) {
      const probe = await f.evaluate(probeChartLayout);
      expect(probe.problems, probe.name).toEqual([]);
      const size = await f.locator('svg').evaluate((s) => s.getBoundingClientRect());
      expect(size.width, probe.name).toBeGreaterThan(400);
      expect(size.height, probe.name).toBeGreaterThan(150);
      const label = await f.locator('svg').getAttribute('aria-labelledby');
      expect(label, probe.name).toBeTruthy();
    }
    const timeline = page.locator('#chart-upgrade-timeline');
    expect(await timeline.locator('text', { hasText: /^Upgrade \d\d:\d\d UTC$/ }).count()).toBe(1);
    expect(await timeline.locator('figcaption').textContent()).toMatch(/onset at \d\d:\d\d UTC \(.*consistent with the upgrade\)/);
    expect(await page.getByRole('img').count()).toBe(2);
  });

  it('lists the cleanup with the checklist and the status text, readable without JavaScript', async () => {
    expect(await page.locator('details summary').allTextContents()).toEqual(['Checklist as Markdown', 'Status text for a status page or chat']);
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    try {
      const noJs = await context.newPage();
      const res = await noJs.goto(page.url());
      expect(res?.status()).toBe(200);
      expect(await noJs.locator('#status').textContent()).toBe(await page.locator('#status').textContent());
      const widths = await noJs.locator('figure.chart svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      expect(widths).toHaveLength(2);
      for (const w of widths) expect(w).toBeGreaterThan(400);
    } finally {
      await context.close();
    }
  });

  it('keeps full-page screenshots as test artifacts', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const png = await page.screenshot({ path: path.join(ARTIFACTS, 'upgrade-page.png'), fullPage: true });
    expect(png.length).toBeGreaterThan(50_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'upgrade-page-viewport.png') });
    expect(consoleErrors).toEqual([]);
  });
});
