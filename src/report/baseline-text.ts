/**
 * One sentence on what the after window was compared with (report.baseline, issue 11), for the Markdown and HTML
 * reports. Null for the default `before` baseline: its window is already stated next to the after window.
 */
import { formatNumber } from '../analysis/format.ts';
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
  const notUsed = b.references.filter((r) => r.status !== 'used').map((r) => `${r.start} ${r.status}`);
  return (
    `seasonal: the after window's clock window on ${b.periods} earlier ${b.period} periods, ${b.used} with data ` +
    `(each a cluster: the period-to-period variation is in every interval)${notUsed.length ? `; ${notUsed.join(', ')}` : ''}`
  );
}
