/**
 * The report as one self-contained HTML page: inline CSS and inline SVG charts, no script, so it works
 * offline, with JavaScript off, and pasted into a ticket. Order follows what a reader needs: the
 * verdict in one sentence, the regressions with their charts, then everything else (overview charts
 * and the table of all findings), warnings, and how the verdict was decided.
 */
import { formatChange, formatIntervalWithResolution, formatNumber, formatPercent, formatPValue, formatTolerance, formatValue, quantileLabel } from '../analysis/format.ts';
import type { AnalysisResult, Finding, Report } from '../analysis/types.ts';
import { buildCharts, type ChartEntry, type ChartKind } from '../charts/chart-catalog.ts';
import {
  hasSeveralServices,
  phraseWithNumbers,
  regressionsBySeverity,
  statisticLabel,
  subjectLabel,
  verdictSentence,
  quantileLevel,
} from '../charts/plain-words.ts';
import { renderSvg } from '../charts/render.ts';
import { STATUS_LABELS } from '../charts/chart-style.ts';
import { recommendationHtml } from './recommendation-section.ts';
import { baselineText } from './baseline-text.ts';
import { coverageSentence } from './coverage-text.ts';

export interface HtmlReportOptions {
  /** Page title; default "aftershock report: <verdict> — upgrade at <time>". */
  title?: string;
  /** Link to the JSON report (shown in the footer when given). */
  jsonHref?: string;
  /** Link to a chart file, e.g. name → `charts/${name}.png`; when given, each figure links its PNG/SVG/Vega-Lite. */
  chartHref?: (name: string, format: 'svg' | 'png' | 'vl.json') => string;
  /** Shown in the footer; passed in because the page builder reads no clock. */
  generatedAt?: string;
  /** Vega warnings while drawing (ignored when absent). */
  onWarning?: (message: string) => void;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The page style, shared with the upgrade page (upgrade-page.ts) so both read alike. */
export const PAGE_STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #111; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .75rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid #ddd; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
.verdict { font-size: 1.2rem; font-weight: bold; padding: .8rem 1rem; border-left: 8px solid; border-radius: 4px; margin: 0 0 1rem; }
.verdict-fail { border-color: #A94400; background: #FDF0E8; }
.verdict-warn { border-color: #7A5C00; background: #FFF8DD; }
.verdict-pass { border-color: #006B4F; background: #E8F6F1; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
figure.chart { margin: 1rem 0 1.75rem; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: .95rem; color: #333; max-width: 75ch; margin-top: .35rem; }
figcaption a { margin-right: .75rem; }
.finding-list li { margin-bottom: .3rem; }
.status-regression { color: #A94400; font-weight: bold; }
.status-improvement { color: #006B4F; }
.status-insufficient_data { color: #7A3B69; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; min-width: 100%; }
caption { text-align: left; font-weight: bold; padding: .4rem 0; }
th, td { padding: .3rem .55rem; border-bottom: 1px solid #ddd; vertical-align: top; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.num.wrap { white-space: normal; }
thead th { background: #f3f3f3; border-bottom: 2px solid #bbb; }
tbody th { font-weight: normal; white-space: nowrap; }
td.reason { min-width: 14rem; }
.chart-error { color: #8B0000; }
ul.expectations { padding-left: 1.2rem; }
ul.expectations li { margin-bottom: .35rem; }
.expectation-fail .outcome { color: #A94400; }
.expectation-pass .outcome { color: #006B4F; }
.expectation-unknown .outcome { color: #7A3B69; }
footer { margin-top: 2.5rem; font-size: .85rem; color: #444; }
a { color: #0B57A3; }
`;

const SUBJECT_KINDS: ChartKind[] = ['latency-distribution', 'latency-percentiles', 'latency-over-time', 'retries-over-time', 'backoff-distribution'];
/** The overview that stands in for a subject's chart in "everything else" (absent with a single subject). */
const COVERED_BY: Partial<Record<ChartKind, ChartKind>> = {
  'latency-distribution': 'latency-distribution-all',
  'latency-percentiles': 'latency-change-overview',
  'latency-over-time': 'latency-over-time-all',
  'retries-over-time': 'retries-over-time-all',
  'backoff-distribution': 'backoff-distribution-all',
};

async function figure(chart: ChartEntry, options: HtmlReportOptions): Promise<string> {
  let svg: string;
  try {
    svg = await renderSvg(chart.spec, { title: chart.title, description: chart.description, idPrefix: `c-${chart.name}`, onWarning: options.onWarning });
  } catch (e) {
    return `<figure class="chart"><p class="chart-error">The chart “${escapeHtml(chart.title)}” could not be drawn: ${escapeHtml((e as Error).message)}</p></figure>`;
  }
  const links = options.chartHref
    ? ` <span class="chart-links">${(['png', 'svg', 'vl.json'] as const)
      .map((f) => `<a href="${escapeHtml(options.chartHref!(chart.name, f))}">${f === 'vl.json' ? 'Vega-Lite spec' : f.toUpperCase()}<span class="visually-hidden"> of ${escapeHtml(chart.title)}</span></a>`)
      .join('')}</span>`
    : '';
  return `<figure class="chart" id="chart-${escapeHtml(chart.name)}">${svg}<figcaption>${escapeHtml(chart.description)}${links}</figcaption></figure>`;
}

function statusCell(f: Finding): string {
  const symbol = { regression: '▲ ', improvement: '▼ ', no_change: '', insufficient_data: '? ' }[f.status];
  return `<td class="status-${f.status}">${symbol}${escapeHtml(STATUS_LABELS[f.status])}</td>`;
}

function kindOrder(f: Finding): number {
  return { tail_latency: 0, retry_rate: 1, backoff: 2, expectation: 3 }[f.kind];
}

const OUTCOME_TEXT = { pass: '✔ Holds', fail: '✘ Failed', unknown: '? Not checked' } as const;

/** Outcome of an expectation finding (older reports without the field: from the status). */
export function expectationOutcome(f: Finding): 'pass' | 'fail' | 'unknown' {
  return f.expectation?.outcome ?? (f.status === 'regression' ? 'fail' : f.status === 'insufficient_data' ? 'unknown' : 'pass');
}

/** Expectation findings as a list, failed first: outcome (word and symbol, not colour alone), what, and why. */
export function expectationList(findings: Finding[]): string {
  const items = findings.filter((f) => f.kind === 'expectation');
  if (items.length === 0) return '<p>No expectations were set for this upgrade.</p>';
  const rank = { fail: 0, unknown: 1, pass: 2 } as const;
  const sorted = [...items].sort((a, b) => rank[expectationOutcome(a)] - rank[expectationOutcome(b)]);
  return `<ul class="expectations">${sorted.map((f) => {
    const o = expectationOutcome(f);
    return `<li class="expectation-${o}"><strong class="outcome">${OUTCOME_TEXT[o]}</strong> <span class="what">${escapeHtml(f.expectation?.name ?? f.subject)} (${escapeHtml(f.service)}, ${escapeHtml(f.subject)})</span>: ${escapeHtml(f.reason)}</li>`;
  }).join('')}</ul>`;
}

function findingsTable(result: AnalysisResult): string {
  const { report } = result;
  const withService = hasSeveralServices(report);
  const statusRank = { regression: 0, insufficient_data: 1, improvement: 2, no_change: 3 };
  const rows = [...report.findings].sort((a, b) =>
    statusRank[a.status] - statusRank[b.status] || kindOrder(a) - kindOrder(b) || a.subject.localeCompare(b.subject) ||
    (quantileLevel(a.statistic) ?? 0) - (quantileLevel(b.statistic) ?? 0));
  const body = rows.map((f) => {
    const measure = quantileLevel(f.statistic) !== null ? `${f.statistic} latency` : statisticLabel(f.statistic);
    return `<tr>${statusCell(f)}<th scope="row">${escapeHtml(subjectLabel(f, withService))}</th><td>${escapeHtml(measure)}</td>` +
      `<td class="num">${escapeHtml(formatValue(f.before, f.unit))}</td><td class="num">${escapeHtml(formatValue(f.after, f.unit))}</td>` +
      `<td class="num">${escapeHtml(formatChange(f.relativeChange))}</td><td class="num wrap">${escapeHtml(formatIntervalWithResolution(f.ci, f.resolution))}</td>` +
      `<td class="num">${escapeHtml(formatPValue(f.qValue))}</td><td class="num wrap">${formatNumber(f.nBefore)} / ${formatNumber(f.nAfter)}</td>` +
      `<td class="reason">${escapeHtml(f.reason)}</td></tr>`;
  }).join('\n');
  const conf = formatPercent(report.settings.confidence);
  return `<div class="table-wrap"><table>
<caption>All ${report.findings.length} findings, regressions first</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Endpoint or upstream API</th><th scope="col">Measure</th><th scope="col">Before</th><th scope="col">After</th><th scope="col">Change</th><th scope="col">${conf} interval of the change</th><th scope="col">q-value (FDR-adjusted)</th><th scope="col">Observations before / after</th><th scope="col">Reason</th></tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

/** When each regression began and whether that fits the upgrade (analysis/onset.ts). */
function onsetSection(report: Report): string {
  const dated = report.findings.filter((f) => f.status === 'regression' && f.onset);
  if (dated.length === 0) return '';
  const items = dated.map((f) => `<li><strong>${escapeHtml(`${f.service} ${f.subject} ${f.statistic}`)}</strong>: ${escapeHtml(f.onset!.description)} (${escapeHtml(f.onset!.at.slice(11, 16))} UTC).</li>`);
  return `<h2>Onset (${dated.length})</h2>
<p>When each regression began: the change point of its per-minute series over both windows, with its interval; the timeline charts mark it.</p>
<ul>${items.join('')}</ul>`;
}

/** Short bursts found in either window and kept out of the comparison (analysis/incidents.ts). */
function incidentsSection(report: Report): string {
  const incidents = report.incidents ?? [];
  if (incidents.length === 0) return '';
  const items = incidents.map((i) => `<li><strong>${escapeHtml(i.window)} window, ${escapeHtml(i.start.slice(11, 16))}–${escapeHtml(i.stop.slice(11, 16))} UTC</strong>: ${escapeHtml(`${i.service} ${i.subject}`)} ${escapeHtml(i.description)}.</li>`);
  return `<h2>Incidents (${incidents.length})</h2>
<p>Short bursts, confined to a few minutes of one window. Their minutes were left out of that window's comparison, so the findings above judge what persists; the timeline charts show them.</p>
<ul>${items.join('')}</ul>`;
}

function settingsSection(result: AnalysisResult): string {
  const s = result.report.settings;
  return `<h2>How the verdict was decided</h2>
<p>A change counts as a regression when it is statistically significant after controlling the false-discovery rate at ${formatPercent(s.fdr)} across all ${formatNumber(result.report.findings.length)} findings, worse than both limits of its tolerance, and its interval of the change lies entirely on the worse side (for histograms: for every placement inside the buckets). Intervals are ${formatPercent(s.confidence)} confidence intervals.</p>
<p>Requests are not independent: they come in minutes that are slow or fast together. Tests and intervals measure that from one-minute blocks (a flat-top long-run variance with a data-driven bandwidth gives each window's design effect; Rao–Scott tests, Woodruff intervals and a clustered Mann-Whitney use it), so a busy minute is not counted as thousands of independent witnesses. Each finding's JSON says which method produced its interval.</p>
<ul>
<li>Latency percentiles (${s.quantiles.map(quantileLabel).join(', ')}): ${formatTolerance(s.tolerance.tail, 'ms')}; a percentile needs at least ${formatNumber(s.minTailCount)} requests beyond it in each window.</li>
<li>Retries per call: ${formatTolerance(s.tolerance.retryRate, 'retries/call')}; share of calls that gave up: ${formatTolerance(s.tolerance.exhaustedRate, 'share of calls')}; at least ${formatNumber(s.minCalls)} calls per window.</li>
<li>Median backoff wait: ${formatTolerance(s.tolerance.backoff, 'ms')}; at least ${formatNumber(s.minRetriedCalls)} retried calls per window.</li>
</ul>`;
}

/** The whole page. Pure apart from drawing the charts (Vega, in-process). */
export async function renderHtmlReport(result: AnalysisResult, options: HtmlReportOptions = {}): Promise<string> {
  const { report } = result;
  const charts = buildCharts(result);
  const withService = hasSeveralServices(report);
  const kinds = new Set(charts.map((c) => c.kind));
  const regressions = regressionsBySeverity(report);

  // Regressed subjects in order of their worst regression, each with its own charts.
  const seen = new Set<string>();
  const regressionSections: string[] = [];
  const shown = new Set<string>();
  for (const f of regressions) {
    // Failed expectations have their own section below.
    if (f.kind === 'expectation') continue;
    const type = f.kind === 'tail_latency' ? 'endpoint' : 'upstream';
    const key = `${type}\u0000${f.service}\u0000${f.subject}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mine = regressions.filter((g) => g.kind !== 'expectation' && (g.kind === 'tail_latency') === (type === 'endpoint') && g.service === f.service && g.subject === f.subject);
    const subjectCharts = charts.filter((c) => c.subject && c.subject.type === type && c.subject.service === f.service && c.subject.name === f.subject);
    subjectCharts.forEach((c) => shown.add(c.name));
    const figures = await Promise.all(subjectCharts.map((c) => figure(c, options)));
    const heading = type === 'endpoint' ? `Endpoint ${subjectLabel(f, withService)}` : `Upstream API ${subjectLabel(f, withService)}`;
    regressionSections.push(`<section aria-labelledby="reg-${regressionSections.length}">
<h3 id="reg-${regressionSections.length}">${escapeHtml(heading)}</h3>
<ul class="finding-list">${mine.map((g) => `<li><span class="status-regression">Regression:</span> ${escapeHtml(phraseWithNumbers(g, withService))}. ${escapeHtml(g.reason)}</li>`).join('')}</ul>
${figures.join('\n')}
</section>`);
  }

  const overviewKinds: ChartKind[] = ['latency-change-overview', 'latency-over-time-all', 'latency-distribution-all', 'retries-over-time-all', 'backoff-distribution-all'];
  const rest = charts.filter((c) => {
    if (shown.has(c.name)) return false;
    if (overviewKinds.includes(c.kind)) return true;
    // A subject's own chart appears here only when no overview covers it (e.g. a single upstream API).
    return SUBJECT_KINDS.includes(c.kind) && !kinds.has(COVERED_BY[c.kind] as ChartKind);
  });
  const restFigures = await Promise.all(rest.map((c) => figure(c, options)));

  const verdict = verdictSentence(report);
  const title = options.title ?? `aftershock report: ${report.verdict} — upgrade at ${report.upgradeAt}`;
  const facts: Array<[string, string]> = [
    ['Upgrade at', report.upgradeAt],
    ['Before window', `${report.windows.before.start} to ${report.windows.before.stop}`],
    ['After window', `${report.windows.after.start} to ${report.windows.after.stop}`],
    ['Findings', `${formatNumber(report.findings.length)} (${formatNumber(regressions.length)} regression${regressions.length === 1 ? '' : 's'})`],
  ];
  if (report.windowCoverage) {
    if (report.windowCoverage.before) facts.push(['Before data', coverageSentence(report.windowCoverage.before)]);
    facts.push(['After data', coverageSentence(report.windowCoverage.after)]);
  }
  if (report.coverage) facts.push(['Judged', `${formatNumber(report.coverage.judged)} of ${formatNumber(report.coverage.findings)} findings, ${formatNumber(report.coverage.subjectsJudged)} of ${formatNumber(report.coverage.subjects)} endpoints and APIs (the rest had too little data)`]);
  if (report.incidents?.length) facts.push(['Incidents', `${formatNumber(report.incidents.length)} (see below)`]);
  if (report.source) facts.push(['Data source', report.source]);
  const baseline = baselineText(report.baseline);
  if (baseline) facts.push(['Baseline', baseline]);
  const warnings = report.warnings.length > 0
    ? `<ul>${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : report.windowCoverage
      ? '<p>None: data covers both windows from start to end.</p>'
      : '<p>None.</p>';
  const footer = [
    options.jsonHref ? `<a href="${escapeHtml(options.jsonHref)}">Report as JSON</a>` : '',
    options.generatedAt ? `Generated ${escapeHtml(options.generatedAt)} by aftershock.` : 'Generated by aftershock.',
  ].filter(Boolean).join(' · ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }</style>
</head>
<body>
<main>
<h1>Upgrade report</h1>
<p class="verdict verdict-${report.verdict}" id="verdict">${escapeHtml(verdict)}</p>
<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>Regressions</h2>
${regressionSections.length > 0 ? regressionSections.join('\n') : '<p>None found.</p>'}
${onsetSection(report)}
${incidentsSection(report)}
${report.findings.some((f) => f.kind === 'expectation') ? `<h2>Expectations</h2>\n${expectationList(report.findings)}` : ''}
${recommendationHtml(report, escapeHtml)}
<h2>Everything else</h2>
${restFigures.join('\n')}
<h3>All findings</h3>
${findingsTable(result)}
<h2>Warnings</h2>
${warnings}
${settingsSection(result)}
<footer>${footer}</footer>
</main>
</body>
</html>
`;
}
