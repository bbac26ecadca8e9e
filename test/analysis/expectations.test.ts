/**
 * Expectations of an upgrade as findings: "must stay flat" counters and old paths tested like retry rates
 * (exact Poisson rate test inside the report's false-discovery step), flag states judged from what Unleash
 * showed, and the verdict following a failed expectation. Every report writer copes with the new kind.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { flagExpectationFinding, withExpectationFindings, type Expectation, type FlagObservation } from '../../src/analysis/expectations.ts';
import type { MetricWindows } from '../../src/analysis/types.ts';
import { buildCharts } from '../../src/charts/chart-catalog.ts';
import { verdictSentence } from '../../src/charts/plain-words.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { latencyWindows, UPGRADE_AT } from './scenarios.ts';
import { defaultSettings } from './settings.ts';

const H = 3_600_000;

function windows(fallbacks: { before: number; after: number } | null, extra: Partial<MetricWindows> = {}): MetricWindows {
  const r = seededRandom(7);
  return {
    upgradeAt: UPGRADE_AT,
    before: { start: UPGRADE_AT - 2 * H, stop: UPGRADE_AT },
    after: { start: UPGRADE_AT, stop: UPGRADE_AT + 2 * H },
    latency: [latencyWindows(r, { endpoint: '/checkout', n: 8000 }), latencyWindows(r, { endpoint: '/legacy', n: 400 })],
    upstreams: [],
    warnings: [],
    eventCounts: fallbacks ? [{ counter: 'fallback_total', service: 'shop', ...fallbacks }] : [],
    ...extra,
  };
}

const flat: Expectation = { kind: 'flat', name: 'no-fallbacks', counter: { measurement: 'fallback_total' }, services: ['shop'] };
const settings = defaultSettings();

describe('flat expectations', () => {
  it('pass while the counter stays flat, per request, with a q-value from the report-wide step', () => {
    const { report } = analyze(windows({ before: 40, after: 42 }), settings, { expectations: [flat] });
    const f = report.findings.find((x) => x.kind === 'expectation')!;
    expect(f).toMatchObject({ service: 'shop', subject: 'fallback_total', statistic: 'events_per_request', test: 'exact-poisson-rate-test', status: 'no_change' });
    expect(f.expectation).toEqual({ name: 'no-fallbacks', type: 'flat', outcome: 'pass' });
    expect(f.nBefore).toBe(8400);
    expect(f.qValue).not.toBeNull();
    expect(f.reason).toMatch(/^Expectation "no-fallbacks" holds: it stayed flat/);
    expect(report.verdict).not.toBe('fail');
  });

  it('fail the report when the counter rises significantly beyond the tolerance', () => {
    const { report } = analyze(windows({ before: 40, after: 160 }), settings, { expectations: [flat] });
    const f = report.findings.find((x) => x.kind === 'expectation')!;
    expect(f.status).toBe('regression');
    expect(f.expectation!.outcome).toBe('fail');
    expect(f.reason).toMatch(/^Expectation "no-fallbacks" failed: it must stay flat, but it rose\. /);
    expect(report.verdict).toBe('fail');
    expect(verdictSentence(report)).toMatch(/^Fail: expectation "no-fallbacks" \(fallback_total\) failed \(events per request /);
  });

  it('count a counter without points as zero, and fall back to events per hour without request telemetry', () => {
    const none = analyze(windows(null), settings, { expectations: [flat] }).report.findings.find((x) => x.kind === 'expectation')!;
    expect(none).toMatchObject({ status: 'no_change', test: 'none (no events in either window)' });
    const noRequests = windows({ before: 2, after: 30 }, { latency: [] });
    noRequests.upstreams = [];
    const f = analyze(noRequests, settings, { expectations: [flat] }).report.findings.find((x) => x.kind === 'expectation')!;
    expect(f).toMatchObject({ statistic: 'events_per_hour', unit: 'per hour', before: 1, after: 15, status: 'regression' });
  });

  it('test the share of requests to an old path', () => {
    const path: Expectation = { kind: 'flat', name: 'legacy-path', endpoint: '/legacy', services: ['shop'] };
    const f = analyze(windows(null), settings, { expectations: [path] }).report.findings.find((x) => x.kind === 'expectation')!;
    expect(f).toMatchObject({ subject: '/legacy', statistic: 'share_of_requests', unit: 'share', status: 'no_change' });
    expect(f.before).toBeCloseTo(400 / 8400);
  });
});

describe('flag expectations', () => {
  const env = (enabled: boolean, payload?: string): FlagObservation => ({
    status: 'found',
    environment: { name: 'production', enabled, strategies: [{ name: 'flexibleRollout', variants: payload === undefined ? [] : [{ name: 'hybrid', payload: { type: 'json', value: payload } }] }] },
  });
  const judge = (e: Omit<Expectation & { kind: 'flag' }, 'kind' | 'name'>, o: FlagObservation) =>
    flagExpectationFinding({ kind: 'flag', name: 'hybrid', ...e }, o, { service: 'shop', environment: 'production' });

  it('pass when enabled with the strategy and payload keys present', () => {
    const f = judge({ flag: 'dten.hybrid.enable', strategy: 'flexibleRollout', payloadKeys: ['mode'] }, env(true, '{"mode":"hybrid","x":1}'));
    expect(f).toMatchObject({ kind: 'expectation', service: 'shop', subject: 'dten.hybrid.enable', status: 'no_change', pValue: null });
    expect(f.expectation!.outcome).toBe('pass');
    expect(f.reason).toBe('Expectation "hybrid" holds: "dten.hybrid.enable" is enabled in production with strategy flexibleRollout with payload keys mode.');
  });

  it('fail with the reason: disabled, missing strategy, missing keys, missing flag, a flag that should be gone', () => {
    expect(judge({ flag: 'f' }, env(false)).reason).toBe('Expectation "hybrid" failed: "f" is enabled in production was expected, but it is disabled.');
    expect(judge({ flag: 'f', strategy: 'default' }, env(true)).reason).toMatch(/but it has no default strategy \(strategies: flexibleRollout\)\.$/);
    expect(judge({ flag: 'f', payloadKeys: ['mode', 'level'] }, env(true, '{"mode":1}')).reason).toMatch(/but variant "hybrid" lacks level\.$/);
    expect(judge({ flag: 'f', payloadKeys: ['mode'] }, env(true, 'not json')).reason).toMatch(/has no JSON object payload\.$/);
    expect(judge({ flag: 'f' }, { status: 'missing' }).reason).toMatch(/but the flag does not exist\.$/);
    expect(judge({ flag: 'old', gone: true }, { ...env(true), stale: true } as FlagObservation).reason).toBe('Expectation "hybrid" failed: "old" is removed was expected, but the flag still exists (Unleash marks it stale).');
    expect(judge({ flag: 'old', gone: true }, { status: 'missing' }).status).toBe('no_change');
    for (const f of [judge({ flag: 'f' }, env(false)), judge({ flag: 'f' }, { status: 'missing' })]) expect(f.status).toBe('regression');
  });

  it('is unknown, not failed, when Unleash cannot be read', () => {
    const f = judge({ flag: 'f' }, { status: 'unavailable', reason: 'Unleash is not configured' });
    expect(f.status).toBe('insufficient_data');
    expect(f.reason).toBe('Expectation "hybrid" could not be checked: Unleash is not configured.');
  });

  it('turn the verdict when added to a report, and every writer copes with them', async () => {
    const big = windows({ before: 40, after: 41 }, { latency: [latencyWindows(seededRandom(3), { endpoint: '/checkout', n: 20_000 })] });
    const result = analyze(big, settings, { expectations: [flat] });
    expect(result.report.verdict).toBe('pass');
    const failed = judge({ flag: 'dten.hybrid.enable' }, env(false));
    const unknown = judge({ flag: 'dten.other' }, { status: 'unavailable', reason: 'Unleash is not configured' });
    const report = withExpectationFindings(result.report, [failed, unknown]);
    expect(report.verdict).toBe('fail');
    expect(report.summary).toMatch(/^Fail: 1 regression in shop dten\.hybrid\.enable/);
    expect(verdictSentence(report)).toBe('Fail: expectation "hybrid" (flag dten.hybrid.enable) failed.');
    const md = renderMarkdown(report);
    expect(md).toContain('## Expectations (1 of 3 failed)');
    expect(md).toMatch(/- ❌ failed: shop `dten.hybrid.enable`: Expectation "hybrid" failed: /);
    expect(md).toContain('- ❔ not checked: shop `dten.other`');
    expect(md).toContain('## Regressions (0)');
    const html = await renderHtmlReport({ ...result, report });
    expect(html).toContain('<h2>Expectations</h2>');
    expect(html).toMatch(/<li class="expectation-fail"><strong class="outcome">✘ Failed<\/strong>/);
    expect(html).not.toMatch(/Upstream API dten/);
    expect(() => buildCharts({ ...result, report })).not.toThrow();
    const pass = withExpectationFindings(result.report, [judge({ flag: 'f' }, env(true))]);
    expect(verdictSentence(pass)).toBe('Pass: no regression found across 1 endpoint, 0 upstream APIs and 2 expectation checks.');
  });
});
