/**
 * The pure analysis: MetricWindows (before/after telemetry per endpoint and upstream) → report + chart series.
 * No I/O, no clock: the same input gives the same report, byte for byte.
 */
import { backoffCandidate } from './backoff.ts';
import type { Candidate } from './candidate.ts';
import { coverageOf, decide, summarize, verdictOf } from './decide.ts';
import { retryRateCandidates } from './retry-rate.ts';
import { viewOf } from './sample-view.ts';
import { latencyTimelineJson, sketchOf, upstreamTimelineJson } from './series.ts';
import { tailLatencyCandidates } from './tail-latency.ts';
import type { AnalysisResult, AnalysisSettings, MetricWindows, Report, ReportSeries } from './types.ts';

export function analyze(windows: MetricWindows, settings: AnalysisSettings): AnalysisResult {
  const candidates: Candidate[] = [];
  const series: ReportSeries = { latency: [], upstreams: [] };
  // Time blocks per window (clustered inference), when the source recorded them.
  const blocks = (w: { start: number; stop: number }) => (windows.blockMs ? Math.max(1, Math.ceil((w.stop - w.start) / windows.blockMs)) : undefined);
  const [bb, ba] = [blocks(windows.before), blocks(windows.after)];
  const latency = [...windows.latency].sort((a, b) => compare(a.service, b.service) || compare(a.endpoint, b.endpoint));
  for (const s of latency) {
    const views = { before: viewOf(s.before, bb), after: viewOf(s.after, ba) };
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
  const findings = decide(candidates, settings);
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
    coverage: coverageOf(findings),
  };
  return { report, series };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
