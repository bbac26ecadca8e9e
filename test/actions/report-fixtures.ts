/** Hand-made reports for the recommendation and guard-policy tests (numbers shaped like the demo story). */
import type { Finding, Report } from '../../src/analysis/types.ts';
import { defaultSettings } from '../analysis/settings.ts';

// The shipped defaults (config/default.yaml), so the fixtures cannot drift from what users get.
const SETTINGS: Report['settings'] = defaultSettings();

export function finding(partial: Partial<Finding> & Pick<Finding, 'kind' | 'subject' | 'statistic' | 'before' | 'after'>): Finding {
  return {
    service: 'shop',
    unit: 'ms',
    relativeChange: partial.before && partial.after !== null ? partial.after / partial.before - 1 : null,
    ci: null,
    test: 'hand-made',
    pValue: 1e-9,
    qValue: 1e-8,
    status: 'regression',
    nBefore: 14000,
    nAfter: 14000,
    reason: 'hand-made',
    ...partial,
  };
}

export function reportWith(findings: Finding[]): Report {
  const failing = findings.some((f) => f.status === 'regression');
  return {
    schemaVersion: 1,
    verdict: failing ? 'fail' : 'pass',
    upgradeAt: '2026-11-20T14:00:00.000Z',
    windows: {
      before: { start: '2026-11-20T12:00:00.000Z', stop: '2026-11-20T14:00:00.000Z' },
      after: { start: '2026-11-20T14:00:00.000Z', stop: '2026-11-20T16:00:00.000Z' },
    },
    findings,
    summary: failing ? 'Fail' : 'Pass',
    warnings: [],
    settings: SETTINGS,
  };
}

/** The demo's story: /checkout p99 up because payments-api waits 8× longer between retries. */
export const BACKOFF_REGRESSION = reportWith([
  finding({ kind: 'tail_latency', subject: '/checkout', statistic: 'p99', before: 363.3, after: 651.5 }),
  finding({ kind: 'retry_rate', subject: 'payments-api', statistic: 'retries_per_call', unit: 'retries/call', before: 0.0415, after: 0.0602 }),
  finding({ kind: 'backoff', subject: 'payments-api', statistic: 'median_wait', before: 37.3, after: 310.5 }),
]);

/** p99 up by 300 ms although retries are rare and short: waits cannot explain it. */
export const UNEXPLAINED_REGRESSION = reportWith([
  finding({ kind: 'tail_latency', subject: '/checkout', statistic: 'p99', before: 363.3, after: 663.3 }),
  finding({ kind: 'retry_rate', subject: 'payments-api', statistic: 'retries_per_call', unit: 'retries/call', before: 0.004, after: 0.005, status: 'no_change' }),
  finding({ kind: 'backoff', subject: 'payments-api', statistic: 'median_wait', before: 30, after: 32, status: 'no_change' }),
]);

export const PASSING = reportWith([
  finding({ kind: 'tail_latency', subject: '/checkout', statistic: 'p99', before: 363.3, after: 365, status: 'no_change' }),
]);
