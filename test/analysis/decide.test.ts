import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/analysis/candidate.ts';
import { decide, verdictOf } from '../../src/analysis/decide.ts';
import { defaultSettings } from './settings.ts';

const settings = defaultSettings();

function candidate(over: { pValue: number; ci: [number, number] | null; before: number; after: number; direction: -1 | 0 | 1 }): Candidate {
  return {
    finding: {
      kind: 'tail_latency', service: 'shop', subject: '/a', statistic: 'p99', unit: 'ms',
      before: over.before, after: over.after, relativeChange: over.after / over.before - 1, ci: over.ci,
      test: 'mood-quantile-test', pValue: over.pValue, nBefore: 5000, nAfter: 5000,
    },
    direction: over.direction,
    tolerance: settings.tolerance.tail,
    label: 'p99 latency',
  };
}

describe('decide', () => {
  it('calls a significant change beyond tolerance a regression when its interval lies above zero', () => {
    const [f] = decide([candidate({ pValue: 1e-6, ci: [0.1, 0.4], before: 100, after: 125, direction: 1 })], settings);
    expect(f.status).toBe('regression');
    expect(verdictOf([f], settings)).toBe('fail');
  });

  it('does not fail the verdict when the test is significant but the interval of the change includes zero', () => {
    const [f] = decide([candidate({ pValue: 0.01, ci: [-0.095, 0.49], before: 100, after: 120, direction: 1 })], settings);
    expect(f.status).toBe('no_change');
    expect(f.reason).toMatch(/interval of the change still includes no change, so it is not called a regression/);
    expect(verdictOf([f], settings)).toBe('warn');
  });

  it('applies the same rule to improvements', () => {
    const [f] = decide([candidate({ pValue: 0.01, ci: [-0.4, 0.02], before: 100, after: 75, direction: -1 })], settings);
    expect(f.status).toBe('no_change');
    const [g] = decide([candidate({ pValue: 0.01, ci: [-0.4, -0.1], before: 100, after: 75, direction: -1 })], settings);
    expect(g.status).toBe('improvement');
  });

  it('adjusts p-values across the whole report (BH), so one p = 0.04 among many does not count', () => {
    const many = Array.from({ length: 20 }, () => candidate({ pValue: 0.5, ci: [-0.1, 0.1], before: 100, after: 100, direction: 1 }));
    many.push(candidate({ pValue: 0.04, ci: [0.1, 0.5], before: 100, after: 130, direction: 1 }));
    const findings = decide(many, settings);
    // BH: min over ranks j >= 1 of p(j)·m/j = min(0.04·21/1, 0.5·21/21) = 0.5
    expect(findings[20].qValue).toBeCloseTo(0.5, 12);
    expect(findings[20].status).toBe('no_change');
  });
});
