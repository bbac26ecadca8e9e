/**
 * Issue 11 item 3 in the outputs: a regression that began 40 min before the upgrade (calibration telemetry through the
 * real WindowBuilder) carries `onset` in the JSON report, a section in Markdown and HTML, a rule and a shaded interval
 * on its timeline chart, and the upgrade page's timeline and facts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { leadingOnset } from '../../src/analysis/onset.ts';
import type { AnalysisResult } from '../../src/analysis/types.ts';
import { buildCharts } from '../../src/charts/chart-catalog.ts';
import { analysisSettings, loadConfig } from '../../src/config.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderJson } from '../../src/report/json-report.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import { upgradeCharts } from '../../src/report/upgrade-page.ts';
import type { UpgradeView } from '../../src/report/upgrade-view.ts';
import { BIG, P99_PLUS_20, PAYMENTS, RETRIES_X2, block, scenario } from '../calibration/families.ts';
import { buildWindows } from '../calibration/telemetry-generator.ts';

let result: AnalysisResult;
beforeAll(() => {
  const s = scenario({ endpoints: [BIG], upstreams: [PAYMENTS], blocks: [block(1, 0.08)], regressions: [P99_PLUS_20, RETRIES_X2] });
  s.regressionAt = s.upgradeAt - 40 * 60_000;
  result = analyze(buildWindows(s, 2), analysisSettings(loadConfig()));
});

describe('onset in the outputs', () => {
  it('JSON: finding.onset with the interval and the relation (schemaVersion 1, added fields only)', () => {
    const json = JSON.parse(renderJson(result.report));
    expect(json.schemaVersion).toBe(1);
    const p99 = json.findings.find((f: { subject: string; statistic: string }) => f.subject === '/checkout' && f.statistic === 'p99');
    expect(p99.status).toBe('regression');
    expect(p99.onset).toMatchObject({ relation: 'before_upgrade', confidence: 0.95 });
    expect(p99.onset.interval).toHaveLength(2);
    expect(p99.onset.description).toMatch(/before the upgrade .*: not the upgrade's$/);
  });

  it('Markdown and HTML say when it began', async () => {
    const md = renderMarkdown(result.report);
    expect(md).toMatch(/## Onset \(\d+\)/);
    expect(md).toMatch(/shop `\/checkout` p99: began \d+ min before the upgrade .*not the upgrade's/);
    const html = await renderHtmlReport(result);
    expect(html).toMatch(/<h2>Onset \(\d+\)<\/h2>/);
  });

  it('the timeline chart has the onset rule and its shaded interval', () => {
    const chart = buildCharts(result).find((c) => c.name === 'latency-over-time--shop--checkout')!;
    const layers = (chart.spec as { layer: Array<{ mark: { type: string; color?: string }; data?: { values: Array<Record<string, unknown>> }; encoding?: Record<string, { value?: string }> }> }).layer;
    const band = layers.find((l) => l.mark.type === 'rect' && l.data?.values.some((v) => v.tone === 'onset'));
    expect(band).toBeDefined();
    const lead = leadingOnset(result.report.findings.filter((f) => f.subject === '/checkout'))!;
    expect(band!.data!.values[0].start).toBe(Date.parse(lead.onset.interval[0]));
    const label = layers.find((l) => l.mark.type === 'text' && typeof l.encoding?.text?.value === 'string' && l.encoding.text.value.includes('onset'));
    expect(label!.encoding!.text!.value).toMatch(/onset \d\d:\d\d UTC \(before the upgrade: not the upgrade's\)/);
    expect(layers.some((l) => l.mark.type === 'rule' && l.mark.color === '#D55E00')).toBe(true);
  });

  it('the upgrade page timeline marks it', () => {
    const lead = leadingOnset(result.report.findings)!;
    const view = {
      upgradeAt: result.report.upgradeAt,
      analyses: [],
      actions: [],
      onset: lead.onset.at,
      onsetDetail: { interval: lead.onset.interval, description: lead.onset.description, finding: 'shop /checkout p99' },
      latest: { analysisId: 'a', createdAt: result.report.windows.after.stop, report: result.report, series: result.series },
    } as unknown as UpgradeView;
    const chart = upgradeCharts(view).find((c) => c.name === 'upgrade-timeline')!;
    const spec = JSON.stringify(chart.spec);
    expect(spec).toContain('"tone":"onset"');
    expect(spec).toContain(`Onset ${lead.onset.at.slice(11, 16)} UTC`);
    expect(chart.description).toMatch(/not the upgrade's/);
  });
});
