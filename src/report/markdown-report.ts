/**
 * The Markdown report an SRE pastes into an incident ticket: verdict first, then a table of regressions, then
 * everything else (significant-within-tolerance, improvements, insufficient data, unchanged), then warnings and
 * the settings the verdict was reached with. Pure: Report in, string out.
 *
 * Every string that came from telemetry or a report file (service, endpoint and upstream names, the summary, the
 * reasons, warnings, the source) is escaped, so it renders as literal text on GitHub and GitLab: a name such as
 * `<script>` or `"><img onerror=…>` must not become HTML, a `|` must not split a table row, a newline must not
 * start a new block.
 */
import { formatChange, formatIntervalWithResolution, formatNumber, formatPercent, formatPValue, formatTolerance, formatValue } from '../analysis/format.ts';
import type { Finding, Report } from '../analysis/types.ts';
import { coverageSentence, isIncomplete } from './coverage-text.ts';
import { recommendationMarkdown, type RecommendedReport } from './recommendation-section.ts';
import { baselineText } from './baseline-text.ts';

const VERDICT_BADGE: Record<Report['verdict'], string> = { pass: '✅ PASS', warn: '⚠️ WARN', fail: '❌ FAIL' };
const KIND_LABEL: Record<Finding['kind'], string> = {
  tail_latency: 'tail latency',
  retry_rate: 'retries',
  backoff: 'backoff',
  expectation: 'expectation',
};
const OUTCOME_BADGE = { pass: '✅ holds', fail: '❌ failed', unknown: '❔ not checked' } as const;

export function renderMarkdown(report: RecommendedReport): string {
  const out: string[] = [];
  out.push(`# aftershock: ${VERDICT_BADGE[report.verdict]}`, '');
  out.push(`**${escapeMarkdown(report.summary)}**`, '');
  const { before, after } = report.windows;
  out.push(
    `Upgrade at ${escapeMarkdown(report.upgradeAt)}. Before: ${escapeMarkdown(before.start)} → ${escapeMarkdown(before.stop)}; ` +
      `after: ${escapeMarkdown(after.start)} → ${escapeMarkdown(after.stop)}.` +
      (report.source ? ` Source: ${escapeMarkdown(report.source)}.` : ''),
    '',
  );
  const baseline = baselineText(report.baseline);
  if (baseline) out.push(`Baseline: ${escapeMarkdown(baseline)}.`, '');
  if (report.windowCoverage) {
    for (const w of ['before', 'after'] as const) {
      const c = report.windowCoverage[w];
      if (c) out.push(`${isIncomplete(c) ? '⚠️ ' : ''}Data in the ${w} window: ${escapeMarkdown(coverageSentence(c))}.`, '');
    }
  }
  if (report.coverage) {
    const c = report.coverage;
    out.push(`Judged ${formatNumber(c.judged)} of ${formatNumber(c.findings)} findings (${formatNumber(c.subjectsJudged)} of ${formatNumber(c.subjects)} endpoints and APIs); the rest had too little data.`, '');
  }
  // Expectations (issue 15) get their own section with pass/fail: they are promises, not measurements.
  const measured = report.findings.filter((f) => f.kind !== 'expectation');
  const regressions = measured.filter((f) => f.status === 'regression');
  out.push(`## Regressions (${regressions.length})`, '');
  if (regressions.length === 0) out.push('None.', '');
  else out.push(...table(sortByChange(regressions)), '');
  onsetSection(out, regressions);
  incidentSection(out, report);
  expectationSection(out, report.findings.filter((f) => f.kind === 'expectation'));
  out.push(...recommendationMarkdown(report, escapeMarkdown));

  const fdr = report.settings.fdr;
  const significantWithin = measured.filter((f) => f.status === 'no_change' && f.qValue !== null && f.qValue < fdr);
  const improvements = measured.filter((f) => f.status === 'improvement');
  const insufficient = measured.filter((f) => f.status === 'insufficient_data');
  const unchanged = measured.filter((f) => f.status === 'no_change' && !(f.qValue !== null && f.qValue < fdr));
  section(out, 'Significant but within tolerance', significantWithin);
  section(out, 'Improvements', improvements);
  if (insufficient.length > 0) {
    out.push(`## Insufficient data (${insufficient.length})`, '');
    for (const f of insufficient) out.push(`- ${escapeMarkdown(f.service)} ${codeSpan(f.subject, false)} ${escapeMarkdown(f.statistic)}: ${escapeMarkdown(f.reason)}`);
    out.push('');
  }
  if (unchanged.length > 0) {
    out.push(`<details><summary>No significant change (${unchanged.length})</summary>`, '');
    out.push(...table(unchanged), '', '</details>', '');
  }
  if (report.warnings.length > 0) {
    out.push(`## Warnings (${report.warnings.length})`, '');
    for (const w of report.warnings) out.push(`- ${escapeMarkdown(w)}`);
    out.push('');
  }
  const s = report.settings;
  out.push(
    `_Decision rule: regression = significant after Benjamini-Hochberg at q < ${formatNumber(s.fdr)} across all ${formatNumber(report.findings.length)} findings ` +
      `and worse beyond tolerance (tail ${formatTolerance(s.tolerance.tail, 'ms')}; ` +
      `retries ${formatTolerance(s.tolerance.retryRate, 'retries/call')}; ` +
      `share of calls that gave up ${formatTolerance(s.tolerance.exhaustedRate, 'share of calls')}; ` +
      `backoff ${formatTolerance(s.tolerance.backoff, 'ms')} on the median wait), ` +
      `with the interval of the change above zero (for histograms: for every placement inside the buckets). ` +
      `Intervals at ${formatPercent(s.confidence)} confidence. Requests cluster in time: tests and intervals measure that ` +
      `from one-minute blocks (flat-top long-run variance → design effects; Rao–Scott tests, Woodruff intervals), and ` +
      `each finding's JSON \`interval\` says which method produced its interval._`,
  );
  return out.join('\n') + '\n';
}

/** When each regression began (analysis/onset.ts), and whether that is the upgrade's. */
function onsetSection(out: string[], regressions: Finding[]): void {
  const dated = regressions.filter((f) => f.onset);
  if (dated.length === 0) return;
  out.push(`## Onset (${dated.length})`, '', 'When each regression began: the change point of its per-minute series over both windows, with its interval.', '');
  for (const f of dated) {
    out.push(`- ${escapeMarkdown(f.service)} ${codeSpan(f.subject, false)} ${escapeMarkdown(f.statistic)}: ${escapeMarkdown(f.onset!.description)} (${escapeMarkdown(f.onset!.at.slice(11, 16))} UTC).`);
  }
  out.push('');
}

/** Short bursts kept out of the comparison: window, minutes, subject and factor. */
function incidentSection(out: string[], report: Report): void {
  const incidents = report.incidents ?? [];
  if (incidents.length === 0) return;
  out.push(`## Incidents (${incidents.length})`, '', 'Short bursts in one window; their minutes were left out of that window\'s comparison, so the findings judge what persists.', '');
  for (const i of incidents) {
    out.push(`- ${escapeMarkdown(i.window)} window ${escapeMarkdown(i.start.slice(11, 16))}–${escapeMarkdown(i.stop.slice(11, 16))} UTC: ${escapeMarkdown(i.service)} ${codeSpan(i.subject, false)} ${escapeMarkdown(i.description)}`);
  }
  out.push('');
}

/** Failed first, then not checked, then holding: one line each with the reason. */
function expectationSection(out: string[], findings: Finding[]): void {
  if (findings.length === 0) return;
  const rank = { fail: 0, unknown: 1, pass: 2 } as const;
  const outcome = (f: Finding) => f.expectation?.outcome ?? (f.status === 'regression' ? 'fail' : f.status === 'insufficient_data' ? 'unknown' : 'pass');
  const failed = findings.filter((f) => outcome(f) === 'fail').length;
  out.push(`## Expectations (${failed} of ${findings.length} failed)`, '');
  for (const f of [...findings].sort((a, b) => rank[outcome(a)] - rank[outcome(b)])) {
    out.push(`- ${OUTCOME_BADGE[outcome(f)]}: ${escapeMarkdown(f.service)} ${codeSpan(f.subject, false)}: ${escapeMarkdown(f.reason)}`);
  }
  out.push('');
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
      `| ${KIND_LABEL[f.kind]} | ${escapeMarkdown(f.service)} | ${codeSpan(f.subject, true)} | ${escapeMarkdown(f.statistic)} | ${formatValue(f.before, f.unit)} | ` +
        `${formatValue(f.after, f.unit)} | ${formatChange(f.relativeChange)} | ${formatIntervalWithResolution(f.ci, f.resolution)} | ${formatPValue(f.qValue)} | ` +
        `${formatNumber(f.nBefore)} / ${formatNumber(f.nAfter)} |`,
    );
  }
  return rows;
}

function sortByChange(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => Math.abs(b.relativeChange ?? 0) - Math.abs(a.relativeChange ?? 0));
}

/** Line breaks of any kind (CR, LF, CRLF, and the Unicode line and paragraph separators) become one space. */
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029]/g;
/**
 * ASCII punctuation that can start inline Markdown anywhere in a line: HTML and entities (`<`, `>`, `&`), code
 * (`` ` ``), emphasis and strike-through (`*`, `_`, `~`), links and images (`[`, `]`, `!`), table cells (`|`), math
 * on GitHub and GitLab (`$`) and the escape character itself. CommonMark shows any backslash-escaped ASCII
 * punctuation literally, in GFM table cells too, so one rule serves prose and tables. An underscore between two
 * letters or digits can neither open nor close emphasis (CommonMark's flanking rules), so `payments_api` and
 * `retries_per_call` stay readable in the raw file.
 */
const INLINE_SPECIAL = /[\\`*~[\]<>&|!$]|_(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])_/gu;
/**
 * GFM turns bare `https://…` and `www.…` into links; an escaped colon or dot keeps such a name plain text (and keeps
 * the link from swallowing a neighbouring escaped character, which showed its backslash).
 */
const AUTOLINK = /:(?=\/\/)|(?<![\p{L}\p{N}_.-])(www)\./giu;
/** What opens a block when it comes first on a line: a heading (`# `), a list item (`- `, `+ `, `1. `, `1) `). */
const BLOCK_START = /^(\s*)(#{1,6}|[+-]|\d{1,9}(?=[.)]))(?=[.)]?(\s|$))/;

/**
 * Telemetry text as literal Markdown text (prose or a table cell): on one line, every inline-special character
 * escaped, bare links defused, and a leading block marker neutralised. Letters, digits, `/`, `.` and `-` in a name
 * stay as they are, so `/api/v1/checkout` and `payments-api` read unchanged in the raw file too. Checked by hand
 * against cmark-gfm (GitHub's renderer, with raw HTML allowed): every hostile name of the tests renders as its text.
 */
export function escapeMarkdown(text: string): string {
  const flat = text
    .replace(LINE_BREAK, ' ')
    .replace(INLINE_SPECIAL, (c) => `\\${c}`)
    .replace(AUTOLINK, (_m: string, www?: string) => (www ? `${www}\\.` : '\\:'));
  // "1. x" is a list only with its dot or parenthesis: escape that one, and the marker itself otherwise.
  return flat.replace(BLOCK_START, (_m, space: string, marker: string) => (/\d/.test(marker) ? `${space}${marker}\\` : `${space}\\${marker}`));
}

/**
 * An endpoint or upstream name as inline code, exactly as it is: the fence is one backtick longer than the
 * longest backtick run inside (CommonMark), so a backtick in the name needs no replacing. In a table cell a
 * pipe must still be written `\|` (GFM splits cells before parsing code spans); outside a table `\|` would
 * show the backslash, so it stays a plain pipe there.
 */
function codeSpan(name: string, inTable: boolean): string {
  let text = name.replace(LINE_BREAK, ' ');
  if (inTable) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A name starting or ending with a backtick needs a space inside the fence (stripped again by CommonMark).
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
