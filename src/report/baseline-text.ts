/**
 * One sentence on what the after window was compared with (report.baseline, issue 11), for the Markdown and HTML
 * reports. Null for the default `before` baseline: its window is already stated next to the after window.
 */
import { formatNumber, formatPValue } from '../analysis/format.ts';
import type { ReportBaseline } from '../analysis/types.ts';

export function baselineText(b: ReportBaseline | undefined): string | null {
  if (!b || b.kind === 'before') return null;
  if (b.kind === 'cohort') {
    const treatments = b.treatments.length > 0 ? b.treatments.join(', ') : '(none seen)';
    const untagged = b.untagged > 0 ? `; ${formatNumber(b.untagged)} points without the tag were left out` : '';
    return (
      `cohort: flag-on (${b.tag} = ${treatments}, ${formatNumber(b.treatmentPoints)} requests and calls) vs flag-off ` +
      `(${b.tag} = ${b.control}, ${formatNumber(b.controlPoints)}) in the same window, ${b.window.start} to ${b.window.stop}${untagged}`
    );
  }
  const notUsed = b.references.filter((r) => r.status !== 'used').map((r) => `${r.start} ${r.status}${r.role === 'variance' ? ' (variance period)' : ''}`);
  const clusters = b.varianceUsed ?? b.used;
  const history =
    b.variancePeriods !== undefined
      ? `, with the period-to-period variation measured over the same clock window on ${b.variancePeriods} earlier periods, ${b.varianceUsed ?? 0} with data ` +
        `(each a cluster: it is in every interval)`
      : ` (each a cluster: the period-to-period variation is in every interval)`;
  return (
    `seasonal: the after window's clock window on ${b.periods} earlier ${b.period} periods, ${b.used} with data` +
    `${history}${notUsed.length ? `; ${notUsed.join(', ')}` : ''}` +
    periodEffectText(b.periodEffect ?? [], clusters)
  );
}

/** Per service: did the periods differ by more than their own noise, and so which variance its comparisons use. */
function periodEffectText(checks: NonNullable<Extract<ReportBaseline, { kind: 'seasonal' }>['periodEffect']>, used: number): string {
  const df = formatNumber(Math.max(1, used - 1));
  const parts = checks.map((c) => {
    if (c.pValue === null) return `${c.service}: no within-period noise could be measured, so the spread between the periods is used (${df} df)`;
    const p = `p = ${formatPValue(c.pValue)} over ${formatNumber(c.comparisons)} comparisons`;
    return c.variance === 'within'
      ? `${c.service}: periods no more different than their within-period noise (${p}), so the within-period variance is used`
      : `${c.service}: periods differ beyond their within-period noise (${p}), so the spread between the periods is used (${df} df)`;
  });
  return parts.length ? `; ${parts.join('; ')}` : '';
}
