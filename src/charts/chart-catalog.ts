/**
 * The list of charts of one analysis, each with a stable URL-safe name, a plain title and an alt-text
 * description: per endpoint (distribution, percentiles, over time), per upstream API (retries over
 * time, backoff distribution) and overviews across subjects (small multiples), so the report page, the
 * HTTP chart routes, the benchmark and the notebooks all draw from one place.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { AnalysisResult, Finding, ReportSeries } from '../analysis/types.ts';
import { distributionMultiplesSpec, distributionRows, distributionSpec } from './distribution-chart.ts';
import { formatNumber, formatPercent } from '../analysis/format.ts';
import { findingNumbers, findingPhrase, hasSeveralServices, regressionsBySeverity, subjectLabel } from './plain-words.ts';
import { changeOverviewSpec, changeRows, quantileComparisonSpec } from './quantile-chart.ts';
import { latencyTimelineRows, retryTimelineRows, thinTimeline, timelineMultiplesSpec, timelineSpec, utcClock, type TimelineBand, type TimelineEvent } from './timeline-chart.ts';

/** Points per line in a small-multiple panel (about one per 2 px of DEFAULT_PANEL_WIDTH). */
export const DEFAULT_PANEL_POINTS = 100;

function stepText(step: number, what: string): string {
  return step > 1 ? `; highest ${what} of every ${step} intervals` : '';
}

export type ChartKind =
  | 'latency-distribution'
  | 'latency-percentiles'
  | 'latency-over-time'
  | 'retries-over-time'
  | 'backoff-distribution'
  | 'latency-change-overview'
  | 'latency-over-time-all'
  | 'latency-distribution-all'
  | 'retries-over-time-all'
  | 'backoff-distribution-all';

export interface ChartSubject {
  type: 'endpoint' | 'upstream';
  service: string;
  name: string;
  /** Display label (with the service when the report covers several). */
  label: string;
}

export interface ChartEntry {
  /** URL-safe, unique within the analysis, e.g. "latency-distribution--shop--checkout". */
  name: string;
  kind: ChartKind;
  title: string;
  /** Alt text: what the chart shows and its key numbers, in one or two sentences. */
  description: string;
  /** Absent for overview charts across subjects. */
  subject?: ChartSubject;
  /** The subject has at least one regression finding. */
  regressed: boolean;
  spec: TopLevelSpec;
}

/** Lower-case, [a-z0-9-] only: "/api/v1/checkout" → "api-v1-checkout". */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.length > 0 ? s : 'root';
}

function confidenceText(result: AnalysisResult): string {
  return formatPercent(result.report.settings.confidence);
}

function subjectSummary(findings: Finding[], withService: boolean): string {
  const regressions = findings.filter((f) => f.status === 'regression').sort((a, b) => (b.relativeChange ?? 0) - (a.relativeChange ?? 0));
  if (regressions.length > 0) return `Regression: ${findingPhrase(regressions[0], withService)} ${findingNumbers(regressions[0])}.`;
  if (findings.some((f) => f.status === 'improvement')) {
    const best = findings.filter((f) => f.status === 'improvement')[0];
    return `Improvement: ${findingPhrase(best, withService)} ${findingNumbers(best)}.`;
  }
  if (findings.length > 0 && findings.every((f) => f.status === 'insufficient_data')) return 'Too little data to decide.';
  return 'No meaningful change.';
}

interface Built {
  entries: ChartEntry[];
  used: Set<string>;
}

function add(built: Built, entry: Omit<ChartEntry, 'name'>, base: string): void {
  let name = base;
  for (let i = 2; built.used.has(name); i++) name = `${base}-${i}`;
  built.used.add(name);
  built.entries.push({ name, ...entry });
}

/** Every chart of an analysis, regressed subjects first (worst first), then the rest, then overviews. */
export function buildCharts(result: AnalysisResult): ChartEntry[] {
  const { report, series } = result;
  const withService = hasSeveralServices(report);
  const upgradeAt = Date.parse(report.upgradeAt);
  const upgradeLabel = `Upgrade ${utcClock(report.upgradeAt)}`;
  const conf = confidenceText(result);
  const built: Built = { entries: [], used: new Set() };
  const findingsOf = (kinds: Finding['kind'][], service: string, subject: string) =>
    report.findings.filter((f) => kinds.includes(f.kind) && f.service === service && f.subject === subject);

  // Order subjects by their worst regression so the page and the chart list agree.
  const rank = new Map<string, number>();
  regressionsBySeverity(report).forEach((f, i) => {
    const key = `${f.kind === 'tail_latency' ? 'e' : 'u'}\u0000${f.service}\u0000${f.subject}`;
    if (!rank.has(key)) rank.set(key, i);
  });
  const order = (type: 'e' | 'u', service: string, name: string) => rank.get(`${type}\u0000${service}\u0000${name}`) ?? Number.MAX_SAFE_INTEGER;
  // Endpoints known only from findings (a report loaded without its series) still get a percentile chart.
  const empty = { probs: [], values: [], n: 0 };
  type LatencyEntry = ReportSeries['latency'][number];
  const inSeries = new Set(series.latency.map((s) => `${s.service}\u0000${s.endpoint}`));
  const findingOnly = [...new Map(report.findings
    .filter((f) => f.kind === 'tail_latency' && !inSeries.has(`${f.service}\u0000${f.subject}`))
    .map((f): [string, LatencyEntry] => [`${f.service}\u0000${f.subject}`, { service: f.service, endpoint: f.subject, before: empty, after: empty }])).values()];
  const latency = [...series.latency, ...findingOnly].sort((a, b) => order('e', a.service, a.endpoint) - order('e', b.service, b.endpoint));
  const upstreams = [...series.upstreams].sort((a, b) => order('u', a.service, a.upstream) - order('u', b.service, b.upstream));

  const allDistributionRows: ReturnType<typeof distributionRows> = [];
  const allLatencyTimelineRows: ReturnType<typeof latencyTimelineRows> = [];
  for (const s of latency) {
    const findings = findingsOf(['tail_latency'], s.service, s.endpoint);
    const label = subjectLabel({ service: s.service, subject: s.endpoint }, withService);
    const subject: ChartSubject = { type: 'endpoint', service: s.service, name: s.endpoint, label };
    const regressed = findings.some((f) => f.status === 'regression');
    const summary = subjectSummary(findings, withService);
    const suffix = `${slug(s.service)}--${slug(s.endpoint)}`;

    const rows = distributionRows(label, s.before, s.after);
    // The panels show only the tail (share slower, log scale): the lower half adds points, not information.
    allDistributionRows.push(...rows.filter((r) => r.share >= 0.5));
    if (rows.length > 0) {
      const title = `${label}: request latency before and after the upgrade`;
      add(built, {
        kind: 'latency-distribution', title, subject, regressed,
        description: `Cumulative share of requests by latency for ${label}, ${formatNumber(s.before.n)} requests before and ${formatNumber(s.after.n)} after the upgrade, with the share slower than each latency on a log scale to show the tail. ${summary}`,
        spec: distributionSpec({
          title, subtitle: `${formatNumber(s.before.n)} requests before, ${formatNumber(s.after.n)} after; latency on a log scale`,
          description: summary, rows, valueTitle: 'Request latency (ms, log scale)', unitNoun: 'requests',
        }),
      }, `latency-distribution--${suffix}`);
    }
    if (findings.some((f) => f.before !== null || f.after !== null)) {
      const title = `${label}: latency at each percentile`;
      add(built, {
        kind: 'latency-percentiles', title, subject, regressed,
        description: `Latency of ${label} at each tested percentile before and after the upgrade, with ${conf} confidence intervals and the relative change above each pair. ${summary}`,
        spec: quantileComparisonSpec({
          title, subtitle: `Rings: estimates; capped bars: ${conf} confidence intervals; label: change after the upgrade`,
          description: summary, findings, unit: findings[0]?.unit || 'ms',
        }),
      }, `latency-percentiles--${suffix}`);
    }
    if (s.timeline) {
      const trows = latencyTimelineRows(label, s.timeline, upgradeAt);
      allLatencyTimelineRows.push(...trows.filter((r) => r.series === 'p99'));
      if (trows.length > 0) {
        const minutes = formatNumber(s.timeline.intervalMs / 60_000);
        const title = `${label}: latency over time`;
        add(built, {
          kind: 'latency-over-time', title, subject, regressed,
          description: `p99 and p50 latency of ${label} per ${minutes}-minute interval, with the upgrade at ${utcClock(report.upgradeAt)} marked. ${summary}`,
          spec: timelineSpec({
            title, subtitle: `p99 (solid) and p50 (dashed) per ${minutes} min; dashed vertical line: the upgrade`,
            description: summary, rows: trows, upgradeAt, upgradeLabel, valueTitle: 'Latency (ms, log scale)', logScale: true,
            ...withOnset(incidentBands(report, 'tail_latency', s.service, s.endpoint), findings),
          }),
        }, `latency-over-time--${suffix}`);
      }
    }
  }

  const allRetryRows: ReturnType<typeof retryTimelineRows> = [];
  const allBackoffRows: ReturnType<typeof distributionRows> = [];
  for (const u of upstreams) {
    const findings = findingsOf(['retry_rate', 'backoff'], u.service, u.upstream);
    const label = subjectLabel({ service: u.service, subject: u.upstream }, withService);
    const subject: ChartSubject = { type: 'upstream', service: u.service, name: u.upstream, label };
    const suffix = `${slug(u.service)}--${slug(u.upstream)}`;
    if (u.timeline) {
      const rows = retryTimelineRows(label, u.timeline, upgradeAt);
      allRetryRows.push(...rows);
      const retryFindings = findings.filter((f) => f.kind === 'retry_rate');
      const summary = subjectSummary(retryFindings, withService);
      if (rows.length > 0) {
        const minutes = formatNumber(u.timeline.intervalMs / 60_000);
        const title = `Calls to ${label}: retries per call over time`;
        add(built, {
          kind: 'retries-over-time', title, subject, regressed: retryFindings.some((f) => f.status === 'regression'),
          description: `Average retries per logical call to ${label} per ${minutes}-minute interval, with the upgrade at ${utcClock(report.upgradeAt)} marked. ${summary}`,
          spec: timelineSpec({
            title, subtitle: `Retries per call (attempts − 1) per ${minutes} min; dashed vertical line: the upgrade`,
            description: summary, rows, upgradeAt, upgradeLabel, valueTitle: 'Retries per call', logScale: false,
            ...withOnset(incidentBands(report, 'retry_rate', u.service, u.upstream), retryFindings),
          }),
        }, `retries-over-time--${suffix}`);
      }
    }
    const rows = distributionRows(label, u.backoffBefore, u.backoffAfter);
    allBackoffRows.push(...rows.filter((r) => r.share >= 0.5));
    if (rows.length > 0) {
      const backoffFindings = findings.filter((f) => f.kind === 'backoff');
      const summary = subjectSummary(backoffFindings, withService);
      const title = `Calls to ${label}: time spent waiting between retries`;
      add(built, {
        kind: 'backoff-distribution', title, subject, regressed: backoffFindings.some((f) => f.status === 'regression'),
        description: `Distribution of the total backoff wait of retried calls to ${label}, ${formatNumber(u.backoffBefore.n)} retried calls before and ${formatNumber(u.backoffAfter.n)} after the upgrade. ${summary}`,
        spec: distributionSpec({
          title, subtitle: `Retried calls only: ${formatNumber(u.backoffBefore.n)} before, ${formatNumber(u.backoffAfter.n)} after`,
          description: summary, rows, valueTitle: 'Backoff wait (ms, log scale)', unitNoun: 'retried calls',
        }),
      }, `backoff-distribution--${suffix}`);
    }
  }

  const tail = report.findings.filter((f) => f.kind === 'tail_latency');
  const cRows = changeRows(tail, (f) => subjectLabel(f, withService));
  if (cRows.length > 0) {
    const subjects = new Set(cRows.map((r) => r.subject)).size;
    const regressions = tail.filter((f) => f.status === 'regression').length;
    const title = 'Latency change after the upgrade, every endpoint and percentile';
    add(built, {
      kind: 'latency-change-overview', title, regressed: regressions > 0,
      description: `Relative change in latency after the upgrade for ${formatNumber(subjects)} endpoint${subjects === 1 ? '' : 's'} at each tested percentile, with ${conf} confidence intervals; ${formatNumber(regressions)} regression${regressions === 1 ? '' : 's'} marked with vermillion triangles. The dashed line is the tolerance.`,
      spec: changeOverviewSpec({
        title, subtitle: `Dot: change; bar: ${conf} confidence interval; dashed line: tolerance (+${formatPercent(report.settings.tolerance.tail.relative)})`,
        description: `${regressions} regressions`, rows: cRows, tolerance: report.settings.tolerance.tail.relative,
      }),
    }, 'latency-change-overview');
  }
  const multiples = (rows: { subject: string }[]) => new Set(rows.map((r) => r.subject)).size;
  if (multiples(allLatencyTimelineRows) > 1) {
    const thin = thinTimeline(allLatencyTimelineRows, DEFAULT_PANEL_POINTS);
    const title = 'p99 latency over time, every endpoint';
    add(built, {
      kind: 'latency-over-time-all', title, regressed: false,
      description: `Small multiples of p99 latency per interval for ${formatNumber(multiples(allLatencyTimelineRows))} endpoints, each with its own latency axis; the dashed line marks the upgrade at ${utcClock(report.upgradeAt)}.`,
      spec: timelineMultiplesSpec({
        title, subtitle: `One panel per endpoint, each with its own latency axis${stepText(thin.step, 'p99')}; times in UTC; dashed line: the upgrade`,
        description: title, rows: thin.rows, upgradeAt, upgradeLabel, valueTitle: 'p99 (ms)', logScale: false,
      }),
    }, 'latency-over-time-all');
  }
  if (multiples(allDistributionRows) > 1) {
    const title = 'Latency tail before and after, every endpoint';
    add(built, {
      kind: 'latency-distribution-all', title, regressed: false,
      description: `Small multiples of the share of requests slower than each latency (log-log) for ${formatNumber(multiples(allDistributionRows))} endpoints, before and after the upgrade.`,
      spec: distributionMultiplesSpec({
        title, subtitle: 'Share of requests slower than a latency; a curve further right after the upgrade means a slower tail',
        description: title, rows: allDistributionRows, valueTitle: 'Latency (ms, log)', unitNoun: 'requests',
      }),
    }, 'latency-distribution-all');
  }
  if (multiples(allRetryRows) > 1) {
    const thin = thinTimeline(allRetryRows, DEFAULT_PANEL_POINTS);
    const title = 'Retries per call over time, every upstream API';
    add(built, {
      kind: 'retries-over-time-all', title, regressed: false,
      description: `Small multiples of retries per call per interval for ${formatNumber(multiples(allRetryRows))} upstream APIs; the dashed line marks the upgrade.`,
      spec: timelineMultiplesSpec({
        title, subtitle: `One panel per upstream API${stepText(thin.step, 'retries per call')}; times in UTC; dashed line: the upgrade`,
        description: title, rows: thin.rows, upgradeAt, upgradeLabel, valueTitle: 'Retries per call', logScale: false,
      }),
    }, 'retries-over-time-all');
  }
  if (multiples(allBackoffRows) > 1) {
    const title = 'Backoff wait before and after, every upstream API';
    add(built, {
      kind: 'backoff-distribution-all', title, regressed: false,
      description: `Small multiples of the share of retried calls waiting longer than each backoff time for ${formatNumber(multiples(allBackoffRows))} upstream APIs.`,
      spec: distributionMultiplesSpec({
        title, subtitle: 'Share of retried calls that waited longer than a time',
        description: title, rows: allBackoffRows, valueTitle: 'Backoff wait (ms, log)', unitNoun: 'retried calls',
      }),
    }, 'backoff-distribution-all');
  }
  return built.entries;
}

export function findChart(result: AnalysisResult, name: string): ChartEntry | undefined {
  return buildCharts(result).find((c) => c.name === name);
}

/**
 * The onset of the subject's best-located regression (the narrowest onset interval) as a rule with its label and its
 * confidence interval as a shaded band, beside the subject's incident bands.
 */
function withOnset(bands: TimelineBand[], findings: Finding[]): { bands: TimelineBand[]; events?: TimelineEvent[] } {
  const width = (x: Finding) => Date.parse(x.onset!.interval[1]) - Date.parse(x.onset!.interval[0]);
  const f = findings.filter((x) => x.status === 'regression' && x.onset).sort((a, b) => width(a) - width(b))[0];
  if (!f?.onset) return { bands };
  const o = f.onset;
  const at = Date.parse(o.at);
  const [lo, hi] = o.interval.map((t) => Date.parse(t));
  const verdict = o.relation === 'upgrade' ? 'with the upgrade' : o.relation === 'before_upgrade' ? "before the upgrade: not the upgrade's" : 'after the upgrade';
  const label = `${f.statistic} onset ${utcClock(o.at)} (${verdict})`;
  // A one-block interval still gets a visible sliver: the band spans to the end of its last block.
  const band: TimelineBand = { start: lo, stop: Math.max(hi, lo + 60_000), label: `${formatPercent(o.confidence)} onset interval`, tone: 'onset' };
  return { bands: [...bands, band], events: [{ at, label, kind: 'onset' }] };
}

/** The report's incidents of one subject as shaded bands on its timeline ("incident ×25"), merged where they touch. */
function incidentBands(report: AnalysisResult['report'], kind: 'tail_latency' | 'retry_rate', service: string, subject: string): TimelineBand[] {
  const mine = (report.incidents ?? []).filter((i) => i.kind === kind && i.service === service && i.subject === subject);
  const bands: TimelineBand[] = [];
  for (const i of [...mine].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))) {
    const start = Date.parse(i.start);
    const stop = Date.parse(i.stop);
    const last = bands[bands.length - 1];
    if (last && start <= last.stop) {
      last.stop = Math.max(last.stop, stop);
      continue;
    }
    bands.push({ start, stop, label: `incident ×${formatNumber(i.ratio)}` });
  }
  return bands;
}
