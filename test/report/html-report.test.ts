import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { verdictSentence } from '../../src/charts/plain-words.ts';
import { manyEndpointsResult, regressionResult } from '../charts/fixtures.ts';

function between(html: string, start: string, end: string): string {
  const i = html.indexOf(start);
  const j = html.indexOf(end, i + start.length);
  expect(i, start).toBeGreaterThanOrEqual(0);
  expect(j, end).toBeGreaterThan(i);
  return html.slice(i, j);
}

describe('HTML report page', async () => {
  const result = regressionResult();
  const warnings: string[] = [];
  const html = await renderHtmlReport(result, {
    jsonHref: 'report.json', chartHref: (name, f) => `charts/${name}.${f}`, generatedAt: '2026-11-20T18:00:00Z', onWarning: (m) => warnings.push(m),
  });

  it('is one self-contained document without script or external resources', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).not.toMatch(/<script|<img |src=|url\(/i);
    // The one link element is an empty inline icon, so browsers do not fetch /favicon.ico.
    expect(html.match(/<link [^>]*>/g)).toEqual(['<link rel="icon" href="data:,">']);
    expect(html).toMatch(/<title>aftershock report: fail — upgrade at 2026-11-20T14:00:00Z<\/title>/);
    expect(warnings).toEqual([]);
  });

  it('opens with the verdict sentence before any chart', () => {
    const sentence = verdictSentence(result.report).replace(/&/g, '&amp;');
    const at = html.indexOf(`<p class="verdict verdict-fail" id="verdict">${sentence}</p>`);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('<svg'));
  });

  it('uses headings in order without skipping a level', () => {
    const levels = [...html.matchAll(/<h([1-6])[\s>]/g)].map((m) => Number(m[1]));
    expect(levels[0]).toBe(1);
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    levels.forEach((l, i) => i > 0 && expect(l - levels[i - 1]).toBeLessThanOrEqual(1));
    expect(html.indexOf('<h2>Regressions</h2>')).toBeLessThan(html.indexOf('<h2>Everything else</h2>'));
  });

  it('shows the regressed subjects with their own charts, and the others only in the overviews', () => {
    const regressions = between(html, '<h2>Regressions</h2>', '<h2>Everything else</h2>');
    for (const name of ['latency-distribution--shop--checkout', 'latency-percentiles--shop--checkout', 'latency-over-time--shop--checkout', 'retries-over-time--shop--payments-api']) {
      expect(regressions).toContain(`id="chart-${name}"`);
    }
    expect(regressions).toContain('<h3 id="reg-0">');
    expect(regressions).not.toContain('--shop--cart');
    const rest = between(html, '<h2>Everything else</h2>', '<h2>Warnings</h2>');
    for (const name of ['latency-change-overview', 'latency-over-time-all', 'latency-distribution-all', 'retries-over-time-all', 'backoff-distribution-all']) {
      expect(rest).toContain(`id="chart-${name}"`);
    }
    expect(rest).not.toContain('id="chart-latency-distribution--shop--cart"');
  });

  it('labels every chart for assistive technology with a unique title and description', () => {
    const svgs = [...html.matchAll(/<svg ([^>]*)>/g)].map((m) => m[1]);
    expect(svgs.length).toBe(10);
    const ids = new Set<string>();
    for (const attrs of svgs) {
      const m = /role="img" aria-labelledby="([^" ]+) ([^"]+)"/.exec(attrs);
      expect(m, attrs).not.toBeNull();
      for (const id of [m![1], m![2]]) {
        expect(ids.has(id)).toBe(false);
        ids.add(id);
        expect(html).toMatch(new RegExp(`<(title|desc) id="${id}">[^<]{10,}</(title|desc)>`));
      }
    }
    expect(html).toContain('<a href="charts/latency-distribution--shop--checkout.png">PNG<span class="visually-hidden"> of /checkout: request latency');
  });

  it('lists every finding in a table with caption and header scopes', () => {
    const table = between(html, '<table>', '</table>');
    expect(table).toContain(`<caption>All ${result.report.findings.length} findings, regressions first</caption>`);
    expect(table.match(/<th scope="col">/g)).toHaveLength(10);
    const rows = table.match(/<tr><td class="status-[a-z_]+">/g) ?? [];
    expect(rows).toHaveLength(result.report.findings.length);
    expect(table.match(/<th scope="row">/g)).toHaveLength(result.report.findings.length);
    expect(table.indexOf('status-regression')).toBeLessThan(table.indexOf('status-no_change'));
    expect(table).toContain('? Too little data');
  });

  it('lists the warnings and how the verdict was decided', () => {
    expect(between(html, '<h2>Warnings</h2>', '<h2>How')).toContain('<li>influx: 3 of 240 intervals of the after window arrived late and were read on retry</li>');
    expect(html).toContain('false-discovery rate at 5 %');
    expect(html).toContain('<a href="report.json">Report as JSON</a>');
  });

  it('escapes names coming from telemetry', async () => {
    const r = manyEndpointsResult(1);
    r.series.latency[0].endpoint = '/x<script>alert(1)</script>';
    for (const f of r.report.findings) f.subject = '/x<script>alert(1)</script>';
    const page = await renderHtmlReport(r);
    expect(page).not.toContain('<script>');
    expect(page).toContain('/x&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('escapes hostile service, endpoint and upstream names, the summary, reasons, warnings and the source', async () => {
    const script = '<script>alert(1)</script>';
    const attr = '"><img src=x onerror=alert(1)>';
    const r = manyEndpointsResult(1);
    r.series.latency[0].endpoint = attr;
    r.series.latency[0].service = script;
    for (const u of r.series.upstreams) Object.assign(u, { service: script, upstream: `${attr}|${script}` });
    for (const f of r.report.findings) {
      Object.assign(f, { service: script, subject: f.kind === 'tail_latency' ? attr : `${attr}|${script}`, reason: `because ${attr} ${script}` });
    }
    r.report.findings.find((f) => f.kind === 'retry_rate')!.status = 'regression';
    Object.assign(r.report, { summary: `Fail: ${script} ${attr}`, warnings: [`warning ${attr}`, script], source: `file ${attr}` });
    const page = await renderHtmlReport(r, { chartHref: (name, f) => `charts/${name}.${f}` });
    expect(page).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('<li>warning &quot;&gt;&lt;img src=x onerror=alert(1)&gt;</li><li>&lt;script&gt;alert(1)&lt;/script&gt;</li>');
    expect(page).toContain('<dt>Data source</dt><dd>file &quot;&gt;&lt;img src=x onerror=alert(1)&gt;</dd>');
    expect(page).toContain('<td class="reason">because &quot;&gt;&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(1)&lt;/script&gt;</td>');
  });

  it('says "None found" for a clean report and still shows the single endpoint’s charts', async () => {
    const r = manyEndpointsResult(1);
    r.series.upstreams = [];
    r.report.findings = r.report.findings.filter((f) => f.kind === 'tail_latency').map((f) => ({ ...f, status: 'no_change' as const }));
    r.report.verdict = 'pass';
    const page = await renderHtmlReport(r);
    expect(page).toContain('<p class="verdict verdict-pass" id="verdict">Pass: no regression found across 1 endpoint and 0 upstream APIs.</p>');
    expect(between(page, '<h2>Regressions</h2>', '<h2>Everything else</h2>')).toContain('<p>None found.</p>');
    expect(page).toContain('id="chart-latency-distribution--shop--api-v1-resource-01"');
  });

  it('keeps 50 endpoints to a bounded number of charts', async () => {
    const page = await renderHtmlReport(manyEndpointsResult(50));
    // 3 charts of the regressed endpoint + 5 overviews (no upstream regresses).
    expect(page.match(/<svg /g)).toHaveLength(8);
    expect(page.match(/<th scope="row">/g)!.length).toBe(50 * 5 + 2 * 3);
  });
});
