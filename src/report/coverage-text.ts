/**
 * The data coverage of a window (`report.windowCoverage`, see analysis/window-coverage.ts) in one sentence, for the
 * Markdown and HTML writers alike: where the data starts and ends, the share of time blocks with data, what is
 * missing, and the part of an asked window that lay in the future.
 */
import { formatNumber, formatPercent, formatSpan } from '../analysis/format.ts';
import type { WindowCoverage } from '../analysis/types.ts';

export function coverageSentence(c: WindowCoverage): string {
  const blocks = `${formatNumber(c.blocksWithData)} of ${formatNumber(c.blocks)} ${formatSpan(c.blockMs)} blocks have data (${formatPercent(c.share)})`;
  const span = c.firstData && c.lastData ? `data from ${c.firstData} to ${c.lastData}` : 'no data';
  const missing = c.partlyEmpty ? `; partly empty: ${formatSpan(c.missingMs)} missing (${formatPercent(c.missingShare)})` : '; complete';
  const cut = c.notElapsedMs && c.requestedStop ? `; asked until ${c.requestedStop}, ${formatSpan(c.notElapsedMs)} of it not yet elapsed and not analysed` : '';
  return `${span}; ${blocks}${missing}${cut}`;
}

/** True when a window lacks data somewhere or was cut short at the time of the analysis. */
export function isIncomplete(c: WindowCoverage): boolean {
  return c.partlyEmpty || (c.notElapsedMs ?? 0) > 0;
}
