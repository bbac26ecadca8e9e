import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/analysis/decide.ts';
import { defaultSettings } from './settings.ts';

describe('summary with many regressed subjects', () => {
  it('names the first five places and counts the rest, so the summary stays one readable line', () => {
    const settings = defaultSettings();
    const regression = (i: number) => ({
      kind: 'tail_latency' as const, service: 'shop', subject: `/e${i}`, statistic: 'p50', unit: 'ms', before: 10, after: 20 + i,
      relativeChange: 1 + i / 10, ci: null, test: 't', pValue: 1e-9, qValue: 1e-8, status: 'regression' as const, nBefore: 100, nAfter: 100, reason: 'r',
    });
    const text = summarize(Array.from({ length: 300 }, (_, i) => regression(i)), 'fail', settings);
    expect(text).toMatch(/^Fail: 300 regressions in shop \/e0, shop \/e1, shop \/e2, shop \/e3, shop \/e4 and 295 more places; most visible: shop \/e299 /);
    expect(text.length).toBeLessThan(250);
  });
});
