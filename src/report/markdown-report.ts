/**
 * The Markdown report an SRE pastes into an incident ticket: verdict first, then a table of regressions, then
 * everything else (significant-within-tolerance, improvements, insufficient data, unchanged), then warnings and
 * the settings the verdict was reached with. Pure: Report in, string out.
 */
import { formatInterval, formatP, formatPercent, formatValue } from '../analysis/format.ts';
import type { Finding, Report } from '../analysis/types.ts';

const VERDICT_BADGE: Record<Report['verdict'], string> = { pass: '✅ PASS', warn: '⚠️ WARN', fail: '❌ FAIL' };
const KIND_LABEL: Record<Finding['kind'], string> = {
  tail_latency: 'tail latency',
  retry_rate: 'retries',
  backoff: 'backoff',
};

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`# aftershock: ${VERDICT_BADGE[report.verdict]}`, '');
  out.push(`**${report.summary}**`, '');
  out.push(
    `Upgrade at ${report.upgradeAt}. Before: ${report.windows.before.start} → ${report.windows.before.stop}; ` +
      `after: ${report.windows.after.start} → ${report.windows.after.stop}.` +
      (report.source ? ` Source: ${escapeCell(report.source)}.` : ''),
    '',
  );
  const regressions = report.findings.filter((f) => f.status === 'regression');
  out.push(`## Regressions (${regressions.length})`, '');
  if (regressions.length === 0) out.push('None.', '');
  else out.push(...table(sortByChange(regressions)), '');

  const fdr = report.settings.fdr;
  const significantWithin = report.findings.filter((f) => f.status === 'no_change' && f.qValue !== null && f.qValue < fdr);
  const improvements = report.findings.filter((f) => f.status === 'improvement');
  const insufficient = report.findings.filter((f) => f.status === 'insufficient_data');
  const unchanged = report.findings.filter((f) => f.status === 'no_change' && !(f.qValue !== null && f.qValue < fdr));
  section(out, 'Significant but within tolerance', significantWithin);
  section(out, 'Improvements', improvements);
  if (insufficient.length > 0) {
    out.push(`## Insufficient data (${insufficient.length})`, '');
    for (const f of insufficient) out.push(`- ${f.service} ${codeSpan(f.subject, false)} ${f.statistic}: ${f.reason}`);
    out.push('');
  }
  if (unchanged.length > 0) {
    out.push(`<details><summary>No significant change (${unchanged.length})</summary>`, '');
    out.push(...table(unchanged), '', '</details>', '');
  }
  if (report.warnings.length > 0) {
    out.push(`## Warnings (${report.warnings.length})`, '');
    for (const w of report.warnings) out.push(`- ${w}`);
    out.push('');
  }
  const s = report.settings;
  out.push(
    `_Decision rule: regression = significant after Benjamini-Hochberg at q < ${s.fdr} across all ${report.findings.length} findings ` +
      `and worse beyond tolerance (tail ${formatPercent(s.tolerance.tail.relative, 0)} and ${s.tolerance.tail.absolute} ms; ` +
      `retries ${formatPercent(s.tolerance.retryRate.relative, 0)} and ${s.tolerance.retryRate.absolute} retries/call; ` +
      `backoff ${formatPercent(s.tolerance.backoff.relative, 0)} and ${s.tolerance.backoff.absolute} ms on the median wait), ` +
      `with the interval of the change above zero. ` +
      `Intervals at ${Math.round(s.confidence * 100)}% confidence._`,
  );
  return out.join('\n') + '\n';
}

function section(out: string[], title: string, findings: Finding[]): void {
  if (findings.length === 0) return;
  out.push(`## ${title} (${findings.length})`, '');
  out.push(...table(sortByChange(findings)), '');
}

function table(findings: Finding[]): string[] {
  const rows = [
    '| what | service | subject | statistic | before | after | change | CI | q | n before / after |',
    '|---|---|---|---|---:|---:|---:|---|---:|---:|',
  ];
  for (const f of findings) {
    rows.push(
      `| ${KIND_LABEL[f.kind]} | ${escapeCell(f.service)} | ${codeSpan(f.subject, true)} | ${f.statistic} | ${formatValue(f.before, f.unit)} | ` +
        `${formatValue(f.after, f.unit)} | ${formatPercent(f.relativeChange)} | ${formatInterval(f.ci)} | ${formatP(f.qValue)} | ${f.nBefore} / ${f.nAfter} |`,
    );
  }
  return rows;
}

function sortByChange(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => Math.abs(b.relativeChange ?? 0) - Math.abs(a.relativeChange ?? 0));
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, "'").replace(/\r?\n/g, ' ');
}

/**
 * An endpoint or upstream name as inline code, exactly as it is: the fence is one backtick longer than the
 * longest backtick run inside (CommonMark), so a backtick in the name needs no replacing. In a table cell a
 * pipe must still be written `\|` (GFM splits cells before parsing code spans); outside a table `\|` would
 * show the backslash, so it stays a plain pipe there.
 */
function codeSpan(name: string, inTable: boolean): string {
  let text = name.replace(/\r?\n/g, ' ');
  if (inTable) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A name starting or ending with a backtick needs a space inside the fence (stripped again by CommonMark).
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
