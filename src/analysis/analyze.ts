/**
 * The pure analysis: MetricWindows (before/after telemetry per endpoint and upstream) → report + chart series.
 * No I/O, no clock: the same input gives the same report, byte for byte.
 */
import { backoffCandidate } from './backoff.ts';
import type { PeriodEvidence, ReferencePeriods } from './design-effect.ts';
import { allInsufficient, baselineUpstreamWindow, checkSeasonal, cohortReport, referenceBlocks } from './baseline.ts';
import type { Candidate } from './candidate.ts';
import { coverageOf, decide, summarize, verdictOf } from './decide.ts';
import { flatExpectationCandidates, settleFlatExpectation, type Expectation } from './expectations.ts';
import { backoffKeepsIncident, incidentWarning, latencyIncidents, scanCount, upstreamIncidents, upstreamWithoutBlocks, type WindowGrid } from './incidents.ts';
import { latencyOnsetSeries, onsetOf, upstreamOnsetSeries, type OnsetSeries } from './onset.ts';
import { retryRateCandidates } from './retry-rate.ts';
import { viewOf } from './sample-view.ts';
import { withoutBlocks } from './time-blocks.ts';
import { periodEffectCheck, type PeriodEffectCheck } from './period-effect.ts';
import { latencyTimelineJson, sketchOf, upstreamTimelineJson } from './series.ts';
import { tailLatencyCandidates } from './tail-latency.ts';
import type { AnalysisResult, AnalysisSettings, Finding, Incident, MetricWindows, Report, ReportSeries, UpstreamSeries } from './types.ts';
import type { SampleView } from './sample-view.ts';
import { coverageWarnings, incompleteWindows, windowCoverage, type AskedWindows } from './window-coverage.ts';

export interface AnalyzeOptions {
  /** The upgrade's expectations: `flat` ones become findings here; `flag` ones are judged by the caller (they need Unleash). */
  expectations?: Expectation[];
  /** The windows as asked, when the caller cut them to the part that had elapsed (the coverage states the cut). */
  asked?: AskedWindows;
  /** Seasonal baseline: the period as the request named it (e.g. "1d"), for the report (default: in hours/days). */
  period?: string;
  /**
   * false: the result's series hold only what the report's recommendation reads (the upstreams' backoff sketches),
   * not the latency sketches and timelines that only charts draw — for output without charts (JSON, Markdown,
   * JUnit), where they were most of the memory at 100 000 endpoints. The report is the same either way. Default true.
   */
  charts?: boolean;
}

export function analyze(windows: MetricWindows, settings: AnalysisSettings, options: AnalyzeOptions = {}): AnalysisResult {
  const { clusterSize, levelBlocks } = referenceBlocks(windows);
  if (!clusterSize) return analyzeWith(windows, settings, options, () => undefined, null);
  const level = levelBlocks !== undefined ? { levelBlocks } : {};
  if (settings.seasonal?.periodVariance !== 'auto') return analyzeWith(windows, settings, options, () => ({ size: clusterSize, variance: 'between', ...level }), null);
  // Seasonal baseline: a first pass gathers every comparison's evidence of a period effect, per service; the
  // second uses, per service, the variance that evidence calls for (period-effect.ts).
  const evidence = new Map<string, PeriodEvidence[]>();
  const gather = (service: string): ReferencePeriods => ({
    size: clusterSize,
    ...level,
    variance: (e) => {
      const list = evidence.get(service);
      if (list) list.push(e);
      else evidence.set(service, [e]);
    },
  });
  // The first pass only gathers evidence: its report is dropped, so it draws no chart series.
  analyzeWith(windows, settings, { ...options, charts: false }, gather, null);
  const services = [...new Set([...windows.latency.map((s) => s.service), ...windows.upstreams.map((u) => u.service)])].sort(compare);
  const checks = services.map((service) => periodEffectCheck(service, evidence.get(service) ?? []));
  const variance = new Map(checks.map((c) => [c.service, c.variance]));
  return analyzeWith(windows, settings, options, (service) => ({ size: clusterSize, variance: variance.get(service) ?? 'between', ...level }), checks);
}

function analyzeWith(
  windows: MetricWindows,
  settings: AnalysisSettings,
  options: AnalyzeOptions,
  periodsOf: (service: string) => ReferencePeriods | undefined,
  periodChecks: PeriodEffectCheck[] | null,
): AnalysisResult {
  const candidates: Candidate[] = [];
  const series: ReportSeries = { latency: [], upstreams: [] };
  // Time blocks per window (clustered inference), when the source recorded them; a seasonal baseline's reference
  // periods are clusters of blocks (baseline.ts).
  const { beforeBlocks: bb, afterBlocks: ba, levelBlocks } = referenceBlocks(windows);
  const layout = windows.baseline;
  const latency = [...windows.latency].sort((a, b) => compare(a.service, b.service) || compare(a.endpoint, b.endpoint));
  const upstreams = [...windows.upstreams].sort((a, b) => compare(a.service, b.service) || compare(a.upstream, b.upstream));
  const history = levelBlocks !== undefined && layout?.kind === 'seasonal' ? { levelPeriods: layout.levelPeriods } : {};
  const references = layout?.kind === 'seasonal' ? { references: { ranges: layout.references, blocksPerReference: layout.blocksPerReference, ...history } } : {};
  const grid: WindowGrid | null = windows.blockMs ? { before: windows.before, after: windows.after, blockMs: windows.blockMs, ...references } : null;
  // The report-wide false-incident rate is split evenly over every scan the report runs (Bonferroni).
  const scanAlpha = settings.incidents.alpha / scanCount(latency.length, upstreams.length, settings);
  const incidents: Incident[] = [];
  const warnings = [...windows.warnings];
  // What each subject was compared on (after incidents left out), for the onset of its regressions.
  const compared = { latency: new Map<string, { before: SampleView; after: SampleView }>(), upstreams: new Map<string, UpstreamSeries>() };
  for (const s of latency) {
    const periods = periodsOf(s.service);
    let views = { before: viewOf(s.before, bb, periods), after: viewOf(s.after, ba, periods) };
    if (grid) {
      const found = latencyIncidents(s, views, settings, grid, scanAlpha);
      if (found.incidents.length > 0) {
        // Judge what persists: the incident's blocks leave that window's comparison (both are then re-viewed).
        views = { before: withoutBlocks(views.before, found.drop[0]), after: withoutBlocks(views.after, found.drop[1]) };
        incidents.push(...found.incidents);
        warnings.push(...found.incidents.map((i) => incidentWarning(i, true)));
      }
    }
    const subjectCandidates = tailLatencyCandidates(s, views, settings);
    // Onsets are found for regressions only, and a finding without enough data is never one: an endpoint with too
    // few requests for every quantile (most of 100 000 quiet ones) needs its views no longer (issue 12).
    if (subjectCandidates.some((c) => !c.insufficient)) compared.latency.set(subjectKey(s.service, s.endpoint), views);
    candidates.push(...subjectCandidates);
    if (options.charts === false) continue;
    series.latency.push({
      service: s.service,
      endpoint: s.endpoint,
      before: sketchOf(views.before),
      after: sketchOf(views.after),
      timeline: latencyTimelineJson(s.timeline),
    });
  }
  for (const original of upstreams) {
    // A variance history's older periods are in the per-block series only (baseline.ts).
    let u = levelBlocks !== undefined ? { ...original, before: baselineUpstreamWindow(original.before, levelBlocks) } : original;
    if (grid) {
      const found = upstreamIncidents(u, settings, grid, scanAlpha);
      if (found.incidents.length > 0) {
        u = { ...u, before: baselineUpstreamWindow(upstreamWithoutBlocks(u.before, found.drop[0]), levelBlocks), after: upstreamWithoutBlocks(u.after, found.drop[1]) };
        incidents.push(...found.incidents);
        warnings.push(...found.incidents.map((i) => incidentWarning(i, true)));
        warnings.push(...backoffKeepsIncident(u, found.drop));
      }
    }
    const periods = periodsOf(u.service);
    const views = { before: viewOf(u.before.backoff, bb, periods), after: viewOf(u.after.backoff, ba, periods) };
    compared.upstreams.set(subjectKey(u.service, u.upstream), u);
    candidates.push(...retryRateCandidates(u, settings, periods));
    candidates.push(backoffCandidate(u, views, settings));
    series.upstreams.push({
      service: u.service,
      upstream: u.upstream,
      backoffBefore: sketchOf(views.before),
      backoffAfter: sketchOf(views.after),
      timeline: upstreamTimelineJson(u.timeline),
    });
  }
  // In the same false-discovery step as everything else: an expectation is one more test of the report.
  if (options.expectations?.length) candidates.push(...flatExpectationCandidates(windows, options.expectations, settings));
  const seasonal = layout?.kind === 'seasonal' ? checkSeasonal(windows, layout, settings, options.period ?? periodLabel(layout.periodMs)) : null;
  if (seasonal) warnings.push(...seasonal.warnings);
  const judged = seasonal?.insufficient ? allInsufficient(candidates, seasonal.insufficient) : candidates;
  const decided = decide(judged, settings).map((f) => settleFlatExpectation(f, settings));
  // Onset needs one continuous time line through the upgrade: a seasonal or cohort baseline has none (its before
  // side lies on other days, or in the same window), so there the finding carries no onset.
  const findings = grid && !layout ? decided.map((f) => withOnset(f, compared, grid, windows.upgradeAt, settings.confidence)) : decided;
  const baseline = (seasonal ? { ...seasonal.report, ...(periodChecks ? { periodEffect: periodChecks } : {}) } : null) ?? cohortReport(windows) ?? { kind: 'before' as const, window: { start: iso(windows.before.start), stop: iso(windows.before.stop) } };
  const covered = windowCoverage(windows, settings, options.asked);
  if (covered) warnings.push(...coverageWarnings(covered));
  const extras = { incidents: incidents.length, incomplete: covered ? incompleteWindows({ windowCoverage: covered }) : 0 };
  const verdict = verdictOf(findings, settings, extras);
  const report: Report = {
    schemaVersion: 1,
    verdict,
    upgradeAt: iso(windows.upgradeAt),
    windows: {
      before: { start: iso(windows.before.start), stop: iso(windows.before.stop) },
      after: { start: iso(windows.after.start), stop: iso(windows.after.stop) },
    },
    findings,
    summary: summarize(findings, verdict, settings, extras),
    warnings,
    ...(windows.source ? { source: windows.source } : {}),
    settings,
    coverage: coverageOf(findings),
    ...(incidents.length > 0 ? { incidents } : {}),
    ...(covered ? { windowCoverage: covered } : {}),
    ...(windows.markers?.length
      ? { markers: [...windows.markers].sort((a, b) => a.at - b.at).map((m) => ({ service: m.service, at: iso(m.at), ...(m.version !== undefined ? { version: m.version } : {}) })) }
      : {}),
    baseline,
  };
  return { report, series };
}

function subjectKey(service: string, subject: string): string {
  return `${service}\u0000${subject}`;
}

/** A regression with per-block data gets its onset (analysis/onset.ts); every other finding is returned as it is. */
function withOnset(
  f: Finding,
  compared: { latency: Map<string, { before: SampleView; after: SampleView }>; upstreams: Map<string, UpstreamSeries> },
  grid: WindowGrid,
  upgradeAt: number,
  confidence: number,
): Finding {
  if (f.status !== 'regression') return f;
  let series: OnsetSeries | null = null;
  if (f.kind === 'tail_latency') {
    const views = compared.latency.get(subjectKey(f.service, f.subject));
    const threshold = f.details?.threshold;
    if (views && typeof threshold === 'number') series = latencyOnsetSeries(views, threshold, grid, f.statistic);
  } else if (f.kind === 'retry_rate') {
    const u = compared.upstreams.get(subjectKey(f.service, f.subject));
    if (u) series = upstreamOnsetSeries(u, f.statistic, grid);
  }
  const onset = series ? onsetOf(series, { upgradeAt, blockMs: grid.blockMs, confidence }) : null;
  return onset ? { ...f, onset } : f;
}

/** "1d", "7d", "36h": the period in the largest whole unit. */
function periodLabel(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
