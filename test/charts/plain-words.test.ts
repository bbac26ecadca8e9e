import { describe, expect, it } from 'vitest';
import type { Finding, Report } from '../../src/analysis/types.ts';
import { formatChange, formatNumber } from '../../src/analysis/format.ts';
import { findingNumbers, findingPhrase, verdictSentence, whoIsAffected } from '../../src/charts/plain-words.ts';
import { FIXTURE_SETTINGS, regressionResult } from './fixtures.ts';

const tail: Finding = {
  kind: 'tail_latency', service: 'shop', subject: '/checkout', statistic: 'p99', unit: 'ms', before: 656.0, after: 805.2,
  relativeChange: 0.227, ci: [0.15, 0.31], test: 'Mood', pValue: 1e-9, qValue: 4e-9, status: 'regression', nBefore: 48109, nAfter: 67136, reason: 'r',
};

function report(findings: Finding[], verdict: Report['verdict']): Report {
  return {
    schemaVersion: 1, verdict, upgradeAt: '2026-11-20T14:00:00Z',
    windows: { before: { start: 'a', stop: 'b' }, after: { start: 'b', stop: 'c' } },
    findings, summary: `${verdict}: summary.`, warnings: [], settings: FIXTURE_SETTINGS,
  };
}

describe('plain words', () => {
  it('names the affected share of requests', () => {
    expect(whoIsAffected('p50')).toBe('the typical request');
    expect(whoIsAffected('p99')).toBe('the slowest 1 % of requests');
    expect(whoIsAffected('p99.9')).toBe('the slowest 0.1 % of requests');
    expect(whoIsAffected('p95')).toBe('the slowest 5 % of requests');
  });

  it('formats numbers and changes for people', () => {
    expect(formatNumber(805.2)).toBe('805');
    expect(formatNumber(65.64)).toBe('65.6');
    expect(formatNumber(95)).toBe('95');
    expect(formatNumber(0.0213)).toBe('0.0213');
    expect(formatNumber(0.02134)).toBe('0.0213');
    expect(formatNumber(null)).toBe('n/a');
    expect(formatChange(0.227)).toBe('+22.7 %');
    expect(formatChange(-0.042)).toBe('−4.2 %');
    expect(formatChange(0)).toBe('±0 %');
  });

  it('writes the verdict sentence of the issue for a p99 regression', () => {
    expect(verdictSentence(report([tail], 'fail'))).toBe('Fail: /checkout got slower for the slowest 1 % of requests (p99 656 → 805 ms, +22.7 %).');
  });

  it('mentions further regressions and the service when several services are involved', () => {
    const other: Finding = { ...tail, service: 'billing', subject: '/invoice', relativeChange: 0.12, after: 735 };
    expect(verdictSentence(report([other, tail], 'fail'))).toBe(
      'Fail: /checkout (shop) got slower for the slowest 1 % of requests (p99 656 → 805 ms, +22.7 %), and 1 more regression below.',
    );
  });

  it('words retry and exhausted-rate findings with their units', () => {
    const retry: Finding = { ...tail, kind: 'retry_rate', subject: 'payments-api', statistic: 'retries_per_call', unit: 'retries/call', before: 0.021, after: 0.058, relativeChange: 1.76 };
    expect(`${findingPhrase(retry)} ${findingNumbers(retry)}`).toBe('calls to payments-api were retried more often (retries per call 0.021 → 0.058, +176 %)');
    const gaveUp: Finding = { ...retry, statistic: 'exhausted_rate', unit: 'share of calls', before: 0.004, after: 0.012, relativeChange: 2 };
    expect(`${findingPhrase(gaveUp)} ${findingNumbers(gaveUp)}`).toBe('more calls to payments-api gave up after all retries (share of calls that gave up 0.4 % → 1.2 %, +200 %)');
  });

  it('says pass and warn in plain words', () => {
    const flat: Finding = { ...tail, status: 'no_change', relativeChange: 0.01, qValue: 0.5 };
    expect(verdictSentence(report([flat], 'pass'))).toBe('Pass: no regression found across 1 endpoint and 0 upstream APIs.');
    const thin: Finding = { ...tail, statistic: 'p99.9', status: 'insufficient_data', before: null, after: null, relativeChange: null, qValue: null };
    expect(verdictSentence(report([flat, thin], 'warn'))).toBe('Warn: no regression found across 1 endpoint and 0 upstream APIs, but 1 check had too little data to decide.');
    const real: Finding = { ...flat, qValue: 0.001 };
    expect(verdictSentence(report([real], 'warn'))).toBe('Warn: no regression found across 1 endpoint and 0 upstream APIs, but 1 change was real but within the tolerance.');
  });

  it('leads the fixture report with its worst regression', () => {
    expect(verdictSentence(regressionResult().report)).toMatch(/^Fail: (\/checkout got slower for the slowest|calls to payments-api were retried more often).*and 1 more regression below\.$/);
  });
});
