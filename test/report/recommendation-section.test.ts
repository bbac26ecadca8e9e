/**
 * The backoff recommendation in every report format (issue 14): the runtime adds `report.recommendation`, and the
 * Markdown and HTML writers draw it as a section — with the stated default constants when the live ones are
 * unknown, escaped like every other text that can come from telemetry, and absent when there is nothing to do.
 */
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderJson } from '../../src/report/json-report.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import type { RecommendedReport, ReportRecommendation } from '../../src/report/recommendation-section.ts';
import { BACKOFF_REGRESSION, PASSING } from '../actions/report-fixtures.ts';

const DEFAULTS = { baseMs: 100, maxMs: 5000, multiplier: 2, jitter: 0.2, maxAttempts: 3 };
const TUNE: ReportRecommendation = {
  action: 'tune',
  service: 'shop',
  upstream: '<img src=x onerror=alert(1)>',
  current: DEFAULTS,
  constants: { ...DEFAULTS, baseMs: 10 },
  currentSource: 'default',
  assumption: 'Unleash is not configured',
  rationale: [
    `Assuming the default constants ${JSON.stringify(DEFAULTS)} (Unleash is not configured).`,
    'Regressed: /checkout p99 363.3 → 651.5 ms.',
    '<img src=x onerror=alert(1)>: 0.06 retries per call.',
    'Propose baseMs 100 → 10: the least aggressive change within bounds.',
  ],
};
const withRec = (report: RecommendedReport['recommendation']): RecommendedReport => ({ ...BACKOFF_REGRESSION, recommendation: report });

describe('the recommendation section', () => {
  it('JSON carries report.recommendation as an additive field', () => {
    const parsed = JSON.parse(renderJson(withRec(TUNE)));
    expect(parsed.recommendation).toEqual(TUNE);
    expect(parsed.schemaVersion).toBe(1);
  });

  it('Markdown shows the proposal, the stated default constants and why, escaped, after the regressions', () => {
    const md = renderMarkdown(withRec(TUNE));
    const lines = md.split('\n');
    const at = lines.indexOf('## Recommendation: tune the backoff constants');
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.startsWith('## Regressions')));
    expect(md).toContain('baseMs 100 → 10; proposed constants {"baseMs":10,"maxMs":5000,"multiplier":2,"jitter":0.2,"maxAttempts":3}.');
    expect(md).toContain(`Computed against the default constants ${JSON.stringify(DEFAULTS)}, because the flag's live constants are unknown (Unleash is not configured).`);
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(md).toContain('Dry run: `aftershock flag tune --report report.json --reason "…"`');
    // said once, not twice
    expect(md.split('Assuming the default constants').length).toBe(1);
  });

  it('HTML shows the same, escaped', async () => {
    const html = await renderHtmlReport({ report: withRec(TUNE), series: { latency: [], upstreams: [] } });
    expect(html).toContain('<h2 id="recommendation">Recommendation: tune the backoff constants</h2>');
    expect(html).toContain('Computed against the default constants {&quot;baseMs&quot;:100');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('names the kill switch, and says when the live constants were used', () => {
    const md = renderMarkdown(withRec({ ...TUNE, action: 'kill_switch', constants: null, currentSource: 'flag', assumption: null, rationale: ['Even the most aggressive constants leave a quantile above its target.'] }));
    expect(md).toContain('## Recommendation: switch the new strategy off (kill switch)');
    expect(md).toContain(`Computed against the flag's live constants ${JSON.stringify(DEFAULTS)}.`);
    expect(md).toContain('Dry run: `aftershock flag off --reason "…"`');
  });

  it('has no section when there is nothing to recommend, or no recommendation', async () => {
    const none = { ...TUNE, action: 'none' as const, constants: null, rationale: ['No tail-latency regression in the report: nothing to tune.'] };
    expect(renderMarkdown({ ...PASSING, recommendation: none })).not.toContain('Recommendation');
    expect(renderMarkdown(PASSING)).not.toContain('Recommendation');
    expect(await renderHtmlReport({ report: { ...PASSING, recommendation: none } as RecommendedReport, series: { latency: [], upstreams: [] } })).not.toContain('id="recommendation"');
  });
});
