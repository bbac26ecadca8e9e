/**
 * One report, four places its numbers appear: the finding reason (written by analysis/), the Markdown table, the
 * HTML table and the chart alt texts / plain-word sentences. Each finding's numbers must read the same in all of
 * them, spelled out here literally in the house style (analysis/format.ts), also after a round trip through JSON
 * (where open interval ends are null).
 */
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/analysis/candidate.ts';
import { decide, summarize, verdictOf } from '../../src/analysis/decide.ts';
import type { AnalysisResult, Finding } from '../../src/analysis/types.ts';
import { buildCharts } from '../../src/charts/chart-catalog.ts';
import { findingNumbers } from '../../src/charts/plain-words.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderJson } from '../../src/report/json-report.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import { FIXTURE_SETTINGS, UPGRADE_AT } from '../charts/fixtures.ts';

const settings = FIXTURE_SETTINGS;
const shop = { service: 'shop' };

function candidate(finding: Candidate['finding'], label: string, direction: Candidate['direction'], extra: Partial<Candidate> = {}): Candidate {
  const tolerance = finding.kind === 'tail_latency' ? settings.tolerance.tail
    : finding.kind === 'backoff' ? settings.tolerance.backoff
      : finding.statistic === 'exhausted_rate' ? settings.tolerance.exhaustedRate : settings.tolerance.retryRate;
  return { finding, label, direction, tolerance, ...extra };
}

function result(): AnalysisResult {
  const candidates: Candidate[] = [
    candidate({
      ...shop, kind: 'tail_latency', subject: '/checkout', statistic: 'p99', unit: 'ms', before: 1322.4, after: 1622.8,
      relativeChange: 1622.8 / 1322.4 - 1, ci: [0.152, Infinity], test: 'mood-quantile-test', pValue: 1e-9, nBefore: 48109, nAfter: 67136,
    }, 'p99 latency', 1),
    candidate({
      ...shop, kind: 'retry_rate', subject: 'payments-api', statistic: 'retries_per_call', unit: 'retries/call', before: 0.0213, after: 0.0588,
      relativeChange: 0.0588 / 0.0213 - 1, ci: [1.2, 2.4], test: 'exact conditional Poisson test', pValue: 1e-12, nBefore: 9000, nAfter: 9100,
    }, 'retries per call', 1),
    candidate({
      ...shop, kind: 'retry_rate', subject: 'payments-api', statistic: 'exhausted_rate', unit: 'share of calls', before: 0.000012, after: 0,
      relativeChange: -1, ci: [-1, Infinity], test: 'exact conditional Poisson test', pValue: 0.6, nBefore: 9000, nAfter: 9100,
    }, 'share of calls that exhausted their retries', -1),
    candidate({
      ...shop, kind: 'backoff', subject: 'payments-api', statistic: 'median_wait', unit: 'ms', before: null, after: null,
      relativeChange: null, ci: null, test: 'none', pValue: null, nBefore: 12, nAfter: 1205,
    }, 'median backoff wait', 0, { insufficient: 'the backoff comparison needs at least 20 retried calls in each window; had 12 before and 1,205 after' }),
  ];
  const findings = decide(candidates, settings);
  const verdict = verdictOf(findings, settings);
  const t = [0, 1, 2, 3].map((i) => Date.parse(UPGRADE_AT) + (i - 2) * 60_000);
  const empty = { probs: [], values: [], n: 0 };
  return {
    report: {
      schemaVersion: 1, verdict, upgradeAt: UPGRADE_AT,
      windows: { before: { start: '2026-11-20T12:00:00Z', stop: UPGRADE_AT }, after: { start: UPGRADE_AT, stop: '2026-11-20T16:00:00Z' } },
      findings, summary: summarize(findings, verdict, settings), warnings: [], settings,
    },
    series: {
      latency: [],
      upstreams: [{ ...shop, upstream: 'payments-api', backoffBefore: empty, backoffAfter: empty, timeline: { intervalMs: 60_000, t, calls: [100, 100, 100, 100], retries: [2, 2, 6, 6], exhausted: [0, 0, 0, 0] } }],
    },
  };
}

/** The numbers of each finding as every format must write them. */
const EXPECTED: Record<string, { before: string; after: string; change: string; ci: string; q: string; n: string; pair: string }> = {
  p99: { before: '1,322 ms', after: '1,623 ms', change: '+22.7 %', ci: '+15.2 % to +∞', q: '1.5e-9', n: '48,109 / 67,136', pair: '1,322 → 1,623 ms' },
  retries_per_call: { before: '0.0213', after: '0.0588', change: '+176 %', ci: '+120 % to +240 %', q: '3.0e-12', n: '9,000 / 9,100', pair: '0.0213 → 0.0588' },
  exhausted_rate: { before: '0.0012 %', after: '0 %', change: '−100 %', ci: '−100 % to +∞', q: '0.600', n: '9,000 / 9,100', pair: '0.0012 % → 0 %' },
  median_wait: { before: 'n/a', after: 'n/a', change: 'n/a', ci: 'n/a', q: 'n/a', n: '12 / 1,205', pair: 'n/a → n/a' },
};

function markdownRow(md: string, f: Finding): string {
  const rows = md.split('\n').filter((l) => l.startsWith('| ') && l.includes(` | ${f.statistic} | `));
  expect(rows, f.statistic).toHaveLength(1);
  return rows[0];
}

function htmlRow(html: string, f: Finding): string {
  const measure = { p99: 'p99 latency', retries_per_call: 'retries per call', exhausted_rate: 'share of calls that gave up', median_wait: 'median backoff wait' }[f.statistic];
  const rows = html.split('\n').filter((l) => l.startsWith('<tr>') && l.includes(`<td>${measure}</td>`));
  expect(rows, f.statistic).toHaveLength(1);
  return rows[0];
}

describe('the same finding reads the same in every format', async () => {
  const fresh = result();
  // What a pipeline or the store hands back: open interval ends are null after JSON.
  const reread: AnalysisResult = { report: JSON.parse(renderJson(fresh.report)), series: fresh.series };
  expect(reread.report.findings[0].ci).toEqual([0.152, null]);

  for (const [name, r] of [['in memory', fresh], ['read back from JSON', reread]] as const) {
    const md = renderMarkdown(r.report);
    const html = await renderHtmlReport(r);
    const charts = buildCharts(r);

    it(`Markdown and HTML tables, ${name}`, () => {
      for (const f of r.report.findings) {
        const e = EXPECTED[f.statistic];
        // Markdown lists a finding with too little data with its reason instead of a table row.
        if (f.status === 'insufficient_data') expect(md.split('\n')).toContain(`- shop \`${f.subject}\` ${f.statistic}: ${f.reason}`);
        else expect(markdownRow(md, f)).toContain(`| ${e.before} | ${e.after} | ${e.change} | ${e.ci} | ${e.q} | ${e.n} |`);
        expect(htmlRow(html, f)).toContain(
          `<td class="num">${e.before}</td><td class="num">${e.after}</td><td class="num">${e.change}</td>` +
          `<td class="num wrap">${e.ci}</td><td class="num">${e.q}</td><td class="num wrap">${e.n}</td>`,
        );
      }
    });

    it(`the reasons the analysis wrote and the plain-word numbers of charts and page, ${name}`, () => {
      const [p99, retries, exhausted, backoff] = r.report.findings;
      expect(p99.reason).toBe(`P99 latency got worse: ${EXPECTED.p99.pair}, +22.7 %; 95 % CI +15.2 % to +∞; q = 1.5e-9; beyond the tolerance of +10 % and 5 ms.`);
      expect(retries.reason).toBe(`Retries per call got worse: ${EXPECTED.retries_per_call.pair}, +176 %; 95 % CI +120 % to +240 %; q = 3.0e-12; beyond the tolerance of +25 % and 0.002 retries/call.`);
      expect(exhausted.reason).toBe(`No significant change in share of calls that exhausted their retries (${EXPECTED.exhausted_rate.pair}, −100 %; 95 % CI −100 % to +∞; q = 0.600).`);
      expect(backoff.reason).toBe('Insufficient data: the backoff comparison needs at least 20 retried calls in each window; had 12 before and 1,205 after.');
      expect(r.report.summary).toBe(`Fail: 2 regressions in shop /checkout, shop payments-api; most visible: shop /checkout p99 ${EXPECTED.p99.pair} (+22.7 %).`);

      expect(findingNumbers(p99)).toBe(`(p99 ${EXPECTED.p99.pair}, +22.7 %)`);
      expect(findingNumbers(retries)).toBe(`(retries per call ${EXPECTED.retries_per_call.pair}, +176 %)`);
      expect(findingNumbers(exhausted)).toBe(`(share of calls that gave up ${EXPECTED.exhausted_rate.pair}, −100 %)`);
      const percentiles = charts.find((c) => c.name === 'latency-percentiles--shop--checkout');
      expect(percentiles?.description).toContain(`Regression: /checkout got slower for the slowest 1 % of requests (p99 ${EXPECTED.p99.pair}, +22.7 %).`);
      expect(percentiles?.description).toContain('with 95 % confidence intervals');
      const retriesChart = charts.find((c) => c.name === 'retries-over-time--shop--payments-api');
      expect(retriesChart?.description).toContain(`(retries per call ${EXPECTED.retries_per_call.pair}, +176 %).`);
      // The page says it in its verdict sentence, its regression list and the figure captions.
      expect(html).toContain(`(p99 ${EXPECTED.p99.pair}, +22.7 %)`);
      expect(html).toContain(`(retries per call ${EXPECTED.retries_per_call.pair}, +176 %)`);
      expect(md).toContain(`**Fail: 2 regressions in shop /checkout, shop payments-api; most visible: shop /checkout p99 ${EXPECTED.p99.pair} (+22.7 %).**`);
    });

    it(`the decision settings, ${name}`, () => {
      for (const text of ['+10 % and 5 ms', '+25 % and 0.002 retries/call', '+25 % and 0.1 percentage points', '+25 % and 20 ms']) {
        expect(md).toContain(text);
        expect(html).toContain(text);
      }
      expect(md).toContain('Intervals at 95 % confidence.');
      expect(html).toContain('Intervals are 95 % confidence intervals.');
    });
  }
});
