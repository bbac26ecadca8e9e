/**
 * The pure analysis: MetricWindows (before/after telemetry per endpoint and upstream) → report + chart series.
 * No I/O, no clock: the same input gives the same report, byte for byte.
 */
import { backoffCandidate } from './backoff.ts';
import type { Candidate } from './candidate.ts';
import { decide, summarize, verdictOf } from './decide.ts';
import { flatExpectationCandidates, settleFlatExpectation, type Expectation } from './expectations.ts';
import { retryRateCandidates } from './retry-rate.ts';
import { viewOf } from './sample-view.ts';
import { latencyTimelineJson, sketchOf, upstreamTimelineJson } from './series.ts';
import { tailLatencyCandidates } from './tail-latency.ts';
import type { AnalysisResult, AnalysisSettings, MetricWindows, Report, ReportSeries } from './types.ts';

export interface AnalyzeOptions {
  /** The upgrade's expectations: `flat` ones become findings here; `flag` ones are judged by the caller (they need Unleash). */
  expectations?: Expectation[];
}

export function analyze(windows: MetricWindows, settings: AnalysisSettings, options: AnalyzeOptions = {}): AnalysisResult {
  const candidates: Candidate[] = [];
  const series: ReportSeries = { latency: [], upstreams: [] };
  const latency = [...windows.latency].sort((a, b) => compare(a.service, b.service) || compare(a.endpoint, b.endpoint));
  for (const s of latency) {
    const views = { before: viewOf(s.before), after: viewOf(s.after) };
    candidates.push(...tailLatencyCandidates(s, views, settings));
    series.latency.push({
      service: s.service,
      endpoint: s.endpoint,
      before: sketchOf(views.before),
      after: sketchOf(views.after),
      timeline: latencyTimelineJson(s.timeline),
    });
  }
  const upstreams = [...windows.upstreams].sort((a, b) => compare(a.service, b.service) || compare(a.upstream, b.upstream));
  for (const u of upstreams) {
    const views = { before: viewOf(u.before.backoff), after: viewOf(u.after.backoff) };
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
  const verdict = verdictOf(findings, settings);
  const report: Report = {
    schemaVersion: 1,
    verdict,
    upgradeAt: iso(windows.upgradeAt),
    windows: {
      before: { start: iso(windows.before.start), stop: iso(windows.before.stop) },
      after: { start: iso(windows.after.start), stop: iso(windows.after.stop) },
    },
    findings,
    summary: summarize(findings, verdict, settings),
    warnings: [...windows.warnings],
    ...(windows.source ? { source: windows.source } : {}),
    settings,
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
