/**
 * `charts: false` (issue 12): output without charts (the CLI's JSON, Markdown and JUnit) reads no timelines and keeps
 * no latency series, and must not change the report by a byte; the default (the HTML page, the service, which
 * stores the series for its chart routes) still gets every series with its timeline.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { renderJson } from '../../src/report/json-report.ts';
import type { RecommendedReport } from '../../src/report/recommendation-section.ts';
import { withRecommendation } from '../../src/runtime/report-recommendation.ts';
import { runAnalysis } from '../../src/runtime/run-analysis.ts';
import { actionsSettings } from '../../src/actions/actions-config.ts';

const config = loadConfig();
const request = { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' };
const finish = (r: Awaited<ReturnType<typeof runAnalysis>>) => withRecommendation(r, { flags: null, bounds: actionsSettings(config).bounds });

describe('runAnalysis with and without charts', () => {
  it('gives the same report (and recommendation) either way; only the chart series differ', async () => {
    const full = await finish(await runAnalysis(request, { config }));
    const lean = await finish(await runAnalysis(request, { config, charts: false }));
    expect(full.report.verdict).toBe('fail');
    expect((full.report as RecommendedReport).recommendation).toBeDefined();
    expect(renderJson(lean.report)).toBe(renderJson(full.report));

    // Charts (HTML page, service chart routes) get every endpoint's sketches and timeline, and every upstream's.
    expect(full.series.latency.length).toBeGreaterThan(0);
    expect(full.series.latency.every((s) => s.timeline !== undefined && s.timeline.count.length > 0 && s.before.n > 0)).toBe(true);
    expect(full.series.upstreams.length).toBeGreaterThan(0);
    expect(full.series.upstreams.every((u) => u.timeline !== undefined)).toBe(true);

    // Without charts: no latency series, and the upstreams keep the backoff sketches the recommendation reads.
    expect(lean.series.latency).toEqual([]);
    expect(lean.series.upstreams).toEqual(full.series.upstreams.map((u) => ({ ...u, timeline: undefined })));
  });
});
