/** The report's sentence on a seasonal baseline, with and without a variance history (issue 11). */
import { describe, expect, it } from 'vitest';
import type { ReportBaseline } from '../../src/analysis/types.ts';
import { baselineText } from '../../src/report/baseline-text.ts';

const ref = (day: number, status: 'used' | 'missing' | 'anomalous' = 'used', role?: 'variance') => ({
  start: `2026-11-${String(day).padStart(2, '0')}T14:00:00.000Z`,
  stop: `2026-11-${String(day).padStart(2, '0')}T16:00:00.000Z`,
  requests: status === 'missing' ? 0 : 1000,
  calls: 0,
  status,
  ...(role ? { role } : {}),
});

describe('baselineText (seasonal)', () => {
  it('without a history: the K periods are the clusters', () => {
    const b: ReportBaseline = { kind: 'seasonal', period: '1d', periods: 3, used: 2, references: [ref(19), ref(18, 'missing'), ref(17)] };
    expect(baselineText(b)).toBe(
      "seasonal: the after window's clock window on 3 earlier 1d periods, 2 with data (each a cluster: the period-to-period variation is in every interval); 2026-11-18T14:00:00.000Z missing",
    );
  });
  it('with a history: the baseline periods, then the periods the variation is measured over, and which of those had no data', () => {
    const b: ReportBaseline = {
      kind: 'seasonal',
      period: '1d',
      periods: 2,
      used: 2,
      variancePeriods: 4,
      varianceUsed: 3,
      references: [ref(19), ref(18), ref(17, 'used', 'variance'), ref(16, 'missing', 'variance')],
    };
    expect(baselineText(b)).toBe(
      "seasonal: the after window's clock window on 2 earlier 1d periods, 2 with data, with the period-to-period variation measured over the same clock window on 4 earlier periods, 3 with data (each a cluster: it is in every interval); 2026-11-16T14:00:00.000Z missing (variance period)",
    );
  });
});
