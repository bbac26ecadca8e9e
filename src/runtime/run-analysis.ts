/**
 * The imperative shell around the pure analysis: resolve the source, fetch both windows, analyze.
 * Used by the CLI, the HTTP service (inside worker threads) and the guard.
 */
import { createFlagReader } from '../actions/flag-reader.ts';
import { analyze } from '../analysis/analyze.ts';
import { withExpectationFindings } from '../analysis/expectations.ts';
import type { AnalysisResult, EventCountQuery } from '../analysis/types.ts';
import { analysisSettings } from '../config.ts';
import { parseDuration, parseTimestamp } from '../duration.ts';
import { AppError } from '../errors.ts';
import { OperationScope, untilAborted } from '../net/deadline.ts';
import { createSource } from '../sources/resolve-source.ts';
import { DEFAULT_WINDOW, type AnalysisRequest, type RunOptions } from './analysis-request.ts';
import { checkFiltersMatch, scopeVerdictToEndpoints, upstreamsOfSelectedServices } from './endpoint-scope.ts';
import { checkUpgradeTime, elapsedWindows } from './elapsed-windows.ts';
import { checkFlagExpectations } from './flag-expectations.ts';
import { checkCohortData, resolveBaseline } from './baseline.ts';
import { deadlineError, fetchWithinDeadline, runDeadlines } from './run-deadlines.ts';

/** Largest |epoch ms| a JavaScript Date can hold (ECMA-262 time value range). */
const MAX_DATE_MS = 8.64e15;

export async function runAnalysis(request: AnalysisRequest, options: RunOptions): Promise<AnalysisResult> {
  const upgradeAt = parseTimestamp(request.upgradeAt, 'upgradeAt');
  const beforeMs = parseDuration(request.before ?? DEFAULT_WINDOW, 'before');
  const afterMs = parseDuration(request.after ?? DEFAULT_WINDOW, 'after');
  // new Date() is only defined within ±8.64e15 ms; beyond it every report time would throw "Invalid time value".
  for (const [what, edge, text] of [['before', upgradeAt - beforeMs, request.before], ['after', upgradeAt + afterMs, request.after]] as const) {
    if (!(Math.abs(edge) <= MAX_DATE_MS)) throw new AppError('BAD_INPUT', `${what}: "${text}" reaches beyond the dates that can be represented`);
  }
  const now = (options.now ?? Date.now)();
  checkUpgradeTime(request, upgradeAt, now);
  const baseline = resolveBaseline(request, options.config, { upgradeAt, beforeMs, afterMs });
  if (!(Math.abs(baseline.before.start) <= MAX_DATE_MS)) throw new AppError('BAD_INPUT', `period: the reference periods reach beyond the dates that can be represented`);
  const asked = { before: baseline.before, after: baseline.after };
  // Cut at now: the window before (and a cohort baseline, both sides in the after window). A seasonal baseline's
  // reference periods mirror the after window, so it is read as asked and the coverage flags what is missing.
  const elapsed = baseline.kind === 'seasonal' ? { ...asked, cut: false } : elapsedWindows(asked, now, request.allowFuture);
  const deadlines = runDeadlines(request, options.config);
  const eventCounts = counters(request);
  const source = createSource(request.source, options.config, { precision: request.precision });
  // What the run is doing when its deadline passes, for the message.
  let doing = `reading the windows from ${source.description}`;
  const run = new OperationScope(options.signal, deadlines.analysis.ms, () => deadlineError(`analysis of ${source.description}`, deadlines.analysis, doing));
  try {
    const windows = await fetchWithinDeadline(source, deadlines.fetch, run.signal, {
      upgradeAt,
      before: elapsed.before,
      after: elapsed.after,
      ...(baseline.query ? { baseline: baseline.query } : {}),
      services: request.services,
      endpoints: request.endpoints,
      onProgress: options.onProgress,
      log: options.log,
      // Counters the upgrade's "must stay flat" expectations read; absent when there are none.
      ...(eventCounts.length ? { eventCounts } : {}),
      ...(options.config.input.maxSeries !== undefined ? { maxSeries: options.config.input.maxSeries } : {}),
      // Timelines are drawn on charts only: without charts, no per-interval state per series.
      ...(options.charts === false ? { timelines: false } : {}),
    });
    if (windows.latency.length === 0 && windows.upstreams.length === 0) {
      // A pass over zero findings would turn a misspelt --service into a green CI gate forever.
      const filters = [request.services?.length ? `services ${request.services.join(', ')}` : '', request.endpoints?.length ? `endpoints ${request.endpoints.join(', ')}` : '']
        .filter(Boolean)
        .join(' and ');
      throw new AppError('BAD_INPUT', `${source.description}: no telemetry in the windows${filters ? ` for ${filters}` : ''}; nothing to compare`);
    }
    checkFiltersMatch(windows, request, source.description);
    checkCohortData(windows, source.description);
    const settings = {
      ...analysisSettings(options.config),
      ...(options.settings ?? {}),
      // The request's seasonal choice is this analysis's setting, and so stated in report.settings.
      ...(baseline.periodVariance ? { seasonal: { periodVariance: baseline.periodVariance } } : {}),
    };
    // Upstream calls carry no endpoint: see ./endpoint-scope.ts for what an endpoint filter makes of them.
    const scoped = request.endpoints?.length ? upstreamsOfSelectedServices(windows) : windows;
    doing = 'computing the statistics';
    const analysed = analyze(scoped, settings, {
      expectations: request.expectations,
      ...(baseline.period ? { period: baseline.period } : {}),
      ...(elapsed.cut ? { asked } : {}),
      ...(options.charts === false ? { charts: false } : {}),
    });
    // The statistics cannot be interrupted; a deadline that passed meanwhile still ends the run here.
    run.signal.throwIfAborted();
    const result = request.endpoints?.length ? scopeVerdictToEndpoints(analysed, settings, request.endpoints) : analysed;
    if (!request.expectations?.some((e) => e.kind === 'flag')) return result;
    // Flag states come from Unleash (read-only), judged like the rest and added before the verdict is final.
    doing = 'reading flag states from Unleash for the expectations';
    const service = request.services?.[0] ?? windows.latency[0]?.service ?? windows.upstreams[0]?.service ?? '';
    const reader = createFlagReader(options.config, options.env ?? process.env);
    const flagFindings = await untilAborted(checkFlagExpectations(request.expectations, { reader, service, signal: run.signal }), run.signal);
    return { ...result, report: withExpectationFindings(result.report, flagFindings) };
  } finally {
    run.dispose();
    await source.close?.();
  }
}

function counters(request: AnalysisRequest): EventCountQuery[] {
  return (request.expectations ?? []).flatMap((e) => (e.kind === 'flat' && e.counter ? [e.counter] : []));
}
