/** Hand-made reports and series for store and route tests (shapes follow src/analysis/types.ts). */
import { defaultSettings } from '../analysis/settings.ts';
import type { Finding, Report, ReportSeries, Verdict } from '../../src/analysis/types.ts';

export function finding(service: string, subject: string, status: Finding['status']): Finding {
  return {
    kind: 'tail_latency',
    service,
    subject,
    statistic: 'p99',
    unit: 'ms',
    before: 600,
    after: status === 'regression' ? 800 : 605,
    relativeChange: status === 'regression' ? 0.333 : 0.008,
    ci: [0.2, 0.4],
    test: 'mood-median-test',
    pValue: status === 'regression' ? 1e-9 : 0.6,
    qValue: status === 'regression' ? 4e-9 : 0.6,
    status,
    nBefore: 50_000,
    nAfter: 51_000,
    reason: `${subject} p99 ${status}`,
  };
}

export function makeReport(verdict: Verdict, findings: Finding[], upgradeAt = '2026-11-20T14:00:00.000Z'): Report {
  const t = Date.parse(upgradeAt);
  const h = 3_600_000;
  return {
    schemaVersion: 1,
    verdict,
    upgradeAt,
    windows: {
      before: { start: new Date(t - 2 * h).toISOString(), stop: upgradeAt },
      after: { start: upgradeAt, stop: new Date(t + 2 * h).toISOString() },
    },
    findings,
    summary: `${verdict}: ${findings.filter((f) => f.status === 'regression').length} regression(s)`,
    warnings: [],
    settings: defaultSettings({ quantiles: [0.5, 0.99] }),
  };
}

export function makeSeries(service: string): ReportSeries {
  const sketch = { probs: [0.5, 0.99], values: [100, 600], n: 50_000 };
  return {
    latency: [{ service, endpoint: '/checkout', before: sketch, after: { ...sketch, values: [101, 800] }, timeline: { intervalMs: 60_000, t: [0, 60_000], count: [10, 12], p50: [100, null], p99: [600, 700] } }],
    upstreams: [],
  };
}
