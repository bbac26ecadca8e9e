/**
 * One page per upgrade for product owners and stakeholders: the status in one plain sentence, the facts, the
 * verdict over time as the after window grows, the timeline with the upgrade, the onset and the flag actions
 * marked, the expectations, the guard's decisions, the actions with who and why, and the cleanup and rollback
 * list. Self-contained HTML (inline CSS and SVG, no script). Pure: the charts come in already drawn
 * (`upgradeCharts` gives their specs; the caller renders them, in the render worker over HTTP).
 */
import { formatNumber } from '../analysis/format.ts';
import { regressionsBySeverity, subjectLabel, hasSeveralServices } from '../charts/plain-words.ts';
import { latencyTimelineRows, type TimelineBand, type TimelineEvent, timelineSpec, utcClock } from '../charts/timeline-chart.ts';
import { verdictHistorySpec } from '../charts/verdict-history-chart.ts';
import type { TopLevelSpec } from 'vega-lite';
import { escapeHtml, expectationList, PAGE_STYLE } from './html-report.ts';
import { clockTime, formatAge, upgradeStatus, upgradeStatusText, utcMinute } from './upgrade-status.ts';
import type { UpgradeView } from './upgrade-view.ts';

export interface UpgradeChart {
  /** URL-safe name, unique on the page. */
  name: 'verdict-history' | 'upgrade-timeline';
  title: string;
  description: string;
  spec: TopLevelSpec;
}

export interface DrawnChart extends Pick<UpgradeChart, 'name' | 'title' | 'description'> {
  /** The SVG, or null when it could not be drawn (the page says so). */
  svg: string | null;
}

export interface UpgradePageOptions {
  charts: DrawnChart[];
  /** Link of an analysis's report page (default `/v1/analyses/<id>/report.html`). */
  reportHref?: (analysisId: string) => string;
  jsonHref?: string;
  statusHref?: { markdown: string; plain: string };
}

const ACTION_WORDS: Record<string, string> = { backoff_constants: 'tuned', kill_switch: 'switched off', enable: 'switched on', revert: 'reverted' };
const DEFAULT_AFTER_HOURS = 2;

/** The charts of the page: the verdict over time (once something finished) and the timeline of the newest report. */
export function upgradeCharts(view: UpgradeView): UpgradeChart[] {
  const out: UpgradeChart[] = [];
  const done = view.analyses.filter((a) => a.status === 'done' && a.verdict);
  if (done.length > 0) {
    const rows = done.map((a) => ({ afterHours: a.afterMs === null ? DEFAULT_AFTER_HOURS : a.afterMs / 3_600_000, verdict: a.verdict!, at: a.createdAt, by: a.byGuard ? 'guard' : 'on request' }));
    const last = rows.at(-1)!;
    const title = 'Verdict over time';
    out.push({
      name: 'verdict-history', title,
      description: `Verdict of each of the ${formatNumber(done.length)} finished analyses of this upgrade by how many hours after the upgrade they covered; the newest, covering ${formatNumber(last.afterHours)} h, says ${last.verdict}.`,
      spec: verdictHistorySpec({ title, subtitle: 'One point per analysis; the guard re-analyses as the after window grows', description: title, rows }),
    });
  }
  const latest = view.latest;
  if (latest) {
    const worst = regressionsBySeverity(latest.report).find((f) => f.kind === 'tail_latency');
    const withTimeline = latest.series.latency.filter((s) => s.timeline);
    const subject = (worst && withTimeline.find((s) => s.service === worst.service && s.endpoint === worst.subject)) ?? [...withTimeline].sort((a, b) => b.after.n - a.after.n)[0];
    if (subject?.timeline) {
      const upgradeAt = Date.parse(view.upgradeAt);
      const label = subjectLabel({ service: subject.service, subject: subject.endpoint }, hasSeveralServices(latest.report));
      const rows = latencyTimelineRows(label, subject.timeline, upgradeAt);
      const t = subject.timeline.t;
      const [from, to] = [t[0], t[t.length - 1] + subject.timeline.intervalMs];
      const events: TimelineEvent[] = [];
      if (view.onset) events.push({ at: Date.parse(view.onset), label: `Onset ${utcClock(view.onset)}`, kind: 'onset' });
      const detail = view.onsetDetail;
      const bands: TimelineBand[] = detail
        ? [{ start: Date.parse(detail.interval[0]), stop: Math.max(Date.parse(detail.interval[1]), Date.parse(detail.interval[0]) + subject.timeline.intervalMs), label: 'onset interval', tone: 'onset' }]
        : [];
      for (const a of view.actions) {
        const at = Date.parse(a.createdAt);
        if (a.status === 'applied' && at >= from && at <= to) events.push({ at, label: `${ACTION_WORDS[a.kind]} ${utcClock(a.createdAt)}`, kind: 'action' });
      }
      const title = `${label}: latency around the upgrade`;
      const onsetShort = view.onset ? `onset at ${utcClock(view.onset)}` : 'onset unknown';
      const onset = `${onsetShort}${detail ? ` (${detail.description})` : ''}`;
      out.push({
        name: 'upgrade-timeline', title,
        description: `p99 and p50 latency of ${label} per interval, with the upgrade at ${utcClock(view.upgradeAt)}${events.length ? `, ${events.map((e) => e.label).join(', ')}` : ''} marked; ${onset}.`,
        spec: timelineSpec({
          title, subtitle: `p99 (solid) and p50 (dashed); dashed line: the upgrade; dotted: ${view.onset ? 'the onset and ' : ''}flag actions; ${onsetShort}`,
          description: title, rows, upgradeAt, upgradeLabel: `Upgrade ${utcClock(view.upgradeAt)}`, valueTitle: 'Latency (ms, log scale)', logScale: true, events, bands,
        }),
      });
    }
  }
  return out;
}

const STYLE = `
.status { font-size: 1.25rem; font-weight: bold; padding: .8rem 1rem; border-left: 8px solid; border-radius: 4px; margin: 0 0 1rem; }
.status-healthy { border-color: #006B4F; background: #E8F6F1; }
.status-watching, .status-pending { border-color: #7A5C00; background: #FFF8DD; }
.status-regressed { border-color: #A94400; background: #FDF0E8; }
.status-rolled_back, .status-retired { border-color: #555; background: #F1F1F1; }
time, td.when { white-space: nowrap; }
.by-guard { font-size: .8rem; font-weight: bold; color: #333; background: #E8E8E8; border-radius: 3px; padding: 0 .3rem; }
ol.plan li, ul.checklist li { margin-bottom: .35rem; }
.step-blocked { color: #A94400; }
pre.text { white-space: pre-wrap; background: #F6F6F6; padding: .6rem .8rem; border-radius: 4px; font-size: .85rem; }
`;

const time = (iso: string) => `<time datetime="${escapeHtml(iso)}">${escapeHtml(utcMinute(iso))}</time>`;

function figure(c: DrawnChart | undefined, missing: string): string {
  if (!c) return `<p>${escapeHtml(missing)}</p>`;
  if (!c.svg) return `<p class="chart-error">The chart “${escapeHtml(c.title)}” could not be drawn.</p>`;
  return `<figure class="chart" id="chart-${c.name}">${c.svg}<figcaption>${escapeHtml(c.description)}</figcaption></figure>`;
}

function table(caption: string, head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p>${escapeHtml(empty)}</p>`;
  return `<div class="table-wrap"><table><caption>${escapeHtml(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('')}</tbody></table></div>`;
}

export function renderUpgradePage(view: UpgradeView, options: UpgradePageOptions): string {
  const status = upgradeStatus(view);
  const chart = (name: UpgradeChart['name']) => options.charts.find((c) => c.name === name);
  const reportHref = options.reportHref ?? ((id: string) => `/v1/analyses/${encodeURIComponent(id)}/report.html`);
  const age = formatAge(Date.parse(view.now) - Date.parse(view.upgradeAt));
  const facts: Array<[string, string]> = [
    ['Upgrade at', `${time(view.upgradeAt)} (${escapeHtml(age)} ago)`],
    ['Services', escapeHtml(view.services.join(', ') || 'all services of the source')],
    ['Flags', escapeHtml(view.flags.join(', ') || 'none named')],
    ['Onset', view.onset ? `${time(view.onset)}${view.onsetDetail ? ` — ${escapeHtml(view.onsetDetail.finding)} ${escapeHtml(view.onsetDetail.description)}` : ''}` : 'unknown (no regression with a located start in the newest analysis)'],
    ['Registered', `${time(view.createdAt)} by ${escapeHtml(view.createdBy)}`],
    ['Data source', escapeHtml(view.source)],
  ];
  if (view.version) facts.splice(2, 0, ['Version', escapeHtml(view.version)]);
  if (view.notes) facts.push(['Notes', escapeHtml(view.notes)]);
  const analyses = [...view.analyses].reverse().map((a) => [
    `<a href="${escapeHtml(a.status === 'done' ? reportHref(a.id) : `/v1/analyses/${encodeURIComponent(a.id)}`)}">${time(a.createdAt)}</a>`,
    escapeHtml(a.afterMs === null ? `${DEFAULT_AFTER_HOURS} h` : `${formatNumber(a.afterMs / 3_600_000)} h`),
    a.status === 'done' ? `<strong class="${escapeHtml(a.verdict ?? '')}">${escapeHtml(a.verdict ?? '')}</strong> ${escapeHtml(a.summary ?? '')}` : escapeHtml(a.status === 'failed' ? `failed: ${a.error ?? ''}` : a.status),
    a.byGuard ? '<span class="by-guard">guard</span>' : 'on request',
  ]);
  const expectations = view.latest
    ? expectationList(view.latest.report.findings)
    : view.expectations.length
      ? `<p>${escapeHtml(`${view.expectations.length} expectation${view.expectations.length === 1 ? '' : 's'} (${view.expectations.map((e) => e.name).join(', ')}) will be checked with the first analysis.`)}</p>`
      : '<p>No expectations were set for this upgrade.</p>';
  const decisions = view.decisions.slice(0, 20).map((d) => [time(d.createdAt), escapeHtml(d.target), escapeHtml(`${d.evaluation} → ${d.decision}${d.step ? ` (${d.step})` : ''}`), escapeHtml(d.reason)]);
  const actions = view.actions.map((a) => [
    time(a.createdAt), escapeHtml(`${ACTION_WORDS[a.kind] ?? a.kind} ${a.flag}`), escapeHtml(a.status.replace('_', ' ')), escapeHtml(a.actor), escapeHtml(a.reason), escapeHtml(a.message),
  ]);
  const steps = view.plan.steps.map((s) =>
    `<li class="step-${s.state}"><strong>${escapeHtml(s.kind === 'revert' ? (s.state === 'blocked' ? 'Blocked' : 'aftershock reverts') : s.state === 'done' ? 'Done' : 'For a person')}:</strong> ${escapeHtml(s.revert)} — ${escapeHtml(s.what)}. Now: ${escapeHtml(s.current)}.${s.note ? ` ${escapeHtml(s.note)}.` : ''}</li>`).join('');
  const plan = view.plan.steps.length
    ? `<ol class="plan">${steps}</ol>${view.plan.blocked ? `<p class="step-blocked">The automated part is blocked: ${escapeHtml(view.plan.blocked)}.</p>` : ''}`
    : '<p>Nothing to clean up: aftershock changed no flag for this upgrade and was told of no other change.</p>';
  const recommendation = status.recommendation ? `<p><strong>Recommendation:</strong> ${escapeHtml(status.recommendation)}.</p>` : '';
  const statusMd = upgradeStatusText(view, { format: 'markdown', link: options.jsonHref });
  const footer = [options.jsonHref ? `<a href="${escapeHtml(options.jsonHref)}">Upgrade as JSON</a>` : '', options.statusHref ? `<a href="${escapeHtml(options.statusHref.markdown)}">status (Markdown)</a> · <a href="${escapeHtml(options.statusHref.plain)}">status (text)</a>` : '', '<a href="/">all upgrades</a>']
    .filter(Boolean).join(' · ');
  const last = view.decisions[0];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(`Upgrade ${view.name}: ${status.sentence}`)}</title>
<style>${PAGE_STYLE}${STYLE}</style>
</head>
<body>
<main>
<h1>Upgrade ${escapeHtml(view.name)}</h1>
<p class="status status-${status.state}" id="status">${escapeHtml(status.sentence.charAt(0).toUpperCase() + status.sentence.slice(1))}.</p>
<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>
<h2>Verdict over time</h2>
${figure(chart('verdict-history'), 'No analysis of this upgrade has finished yet.')}
${table('Analyses of this upgrade, newest first', ['When', 'After window', 'Verdict', 'By'], analyses, 'No analyses yet.')}
<h2>Timeline</h2>
${figure(chart('upgrade-timeline'), 'No timeline yet: it comes with the first finished analysis.')}
<h2>Expectations</h2>
${expectations}
<h2>Guard decisions</h2>
${last ? `<p>Last decision ${escapeHtml(clockTime(last.createdAt, view.now))}: ${escapeHtml(last.reason)}.</p>` : ''}
${table('What the SLA guard decided and why, newest first', ['When', 'Target', 'Evaluation → decision', 'Why'], decisions, 'The SLA guard has not evaluated this upgrade.')}
<h2>Actions</h2>
${table('Flag actions for this upgrade, oldest first', ['When', 'What', 'Outcome', 'Who', 'Why', 'Result'], actions, 'No flag actions were made for this upgrade.')}
<h2>Cleanup and rollback</h2>
${recommendation}
${plan}
<details><summary>Checklist as Markdown</summary><pre class="text">${escapeHtml(view.plan.checklist || 'Nothing to do.')}</pre></details>
<details><summary>Status text for a status page or chat</summary><pre class="text">${escapeHtml(statusMd)}</pre></details>
<footer>${footer}</footer>
</main>
</body>
</html>
`;
}
