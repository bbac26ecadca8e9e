/**
 * The pure analysis: MetricWindows (before/after telemetry per endpoint and upstream) → report + chart series.
 * No I/O, no clock: the same input gives the same report, byte for byte.
 */
import { backoffCandidate } from './backoff.ts';
import type { Candidate } from './candidate.ts';
import { coverageOf, decide, summarize, verdictOf } from './decide.ts';
import { flatExpectationCandidates, settleFlatExpectation, type Expectation } from './expectations.ts';
import { incidentWarning, latencyIncidents, scanCount, upstreamIncidents, upstreamWithoutBlocks, type WindowGrid } from './incidents.ts';
import { retryRateCandidates } from './retry-rate.ts';
import { viewOf } from './sample-view.ts';
import { withoutBlocks } from './time-blocks.ts';
import { latencyTimelineJson, sketchOf, upstreamTimelineJson } from './series.ts';
import { tailLatencyCandidates } from './tail-latency.ts';
import type { AnalysisResult, AnalysisSettings, Incident, MetricWindows, Report, ReportSeries } from './types.ts';
import { coverageWarnings, incompleteWindows, windowCoverage, type AskedWindows } from './window-coverage.ts';

export interface AnalyzeOptions {
  /** The upgrade's expectations: `flat` ones become findings here; `flag` ones are judged by the caller (they need Unleash). */
  expectations?: Expectation[];
  /** The windows as asked, when the caller cut them to the part that had elapsed (the coverage states the cut). */
  asked?: AskedWindows;
}

export function analyze(windows: MetricWindows, settings: AnalysisSettings, options: AnalyzeOptions = {}): AnalysisResult {
  const candidates: Candidate[] = [];
  const series: ReportSeries = { latency: [], upstreams: [] };
  // Time blocks per window (clustered inference), when the source recorded them.
  const blocks = (w: { start: number; stop: number }) => (windows.blockMs ? Math.max(1, Math.ceil((w.stop - w.start) / windows.blockMs)) : undefined);
  const [bb, ba] = [blocks(windows.before), blocks(windows.after)];
  const latency = [...windows.latency].sort((a, b) => compare(a.service, b.service) || compare(a.endpoint, b.endpoint));
  const upstreams = [...windows.upstreams].sort((a, b) => compare(a.service, b.service) || compare(a.upstream, b.upstream));
  const grid: WindowGrid | null = windows.blockMs ? { before: windows.before, after: windows.after, blockMs: windows.blockMs } : null;
  // The report-wide false-incident rate is split evenly over every scan the report runs (Bonferroni).
  const scanAlpha = settings.incidents.alpha / scanCount(latency.length, upstreams.length, settings);
  const incidents: Incident[] = [];
  const warnings = [...windows.warnings];
  for (const s of latency) {
    let views = { before: viewOf(s.before, bb), after: viewOf(s.after, ba) };
    if (grid) {
      const found = latencyIncidents(s, views, settings, grid, scanAlpha);
      if (found.incidents.length > 0) {
        // Judge what persists: the incident's blocks leave that window's comparison (both are then re-viewed).
        views = { before: withoutBlocks(views.before, found.drop[0]), after: withoutBlocks(views.after, found.drop[1]) };
        incidents.push(...found.incidents);
        warnings.push(...found.incidents.map((i) => incidentWarning(i, true)));
      }
    }
    candidates.push(...tailLatencyCandidates(s, views, settings));
    series.latency.push({
      service: s.service,
      endpoint: s.endpoint,
      before: sketchOf(views.before),
      after: sketchOf(views.after),
      timeline: latencyTimelineJson(s.timeline),
    });
  }
  for (const original of upstreams) {
    let u = original;
    if (grid) {
      const found = upstreamIncidents(u, settings, grid, scanAlpha);
      if (found.incidents.length > 0) {
        u = { ...u, before: upstreamWithoutBlocks(u.before, found.drop[0]), after: upstreamWithoutBlocks(u.after, found.drop[1]) };
        incidents.push(...found.incidents);
        warnings.push(...found.incidents.map((i) => incidentWarning(i, true)));
      }
    }
    const views = { before: viewOf(u.before.backoff, bb), after: viewOf(u.after.backoff, ba) };
    candidates.push(...retryRateCandidates(u, settings));
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
  const findings = decide(candidates, settings).map((f) => settleFlatExpectation(f, settings));
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
  };
  return { report, series };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
