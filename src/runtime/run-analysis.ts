/**
 * The imperative shell around the pure analysis: resolve the source, fetch both windows, analyze.
 * Used by the CLI, the HTTP service (inside worker threads) and the guard.
 */
import { createFlagReader } from '../actions/flag-reader.ts';
import { analyze } from '../analysis/analyze.ts';
import { withExpectationFindings } from '../analysis/expectations.ts';
import type { AnalysisResult } from '../analysis/types.ts';
import { analysisSettings } from '../config.ts';
import { parseDuration, parseTimestamp } from '../duration.ts';
import { AppError } from '../errors.ts';
import { createSource } from '../sources/resolve-source.ts';
import { DEFAULT_WINDOW, type AnalysisRequest, type RunOptions } from './analysis-request.ts';
import { checkFiltersMatch, scopeVerdictToEndpoints, upstreamsOfSelectedServices } from './endpoint-scope.ts';
import { checkFlagExpectations } from './flag-expectations.ts';

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
  const counters = (request.expectations ?? []).flatMap((e) => (e.kind === 'flat' && e.counter ? [e.counter] : []));
  const source = createSource(request.source, options.config, { precision: request.precision });
  try {
    const windows = await source.fetch({
      upgradeAt,
      before: { start: upgradeAt - beforeMs, stop: upgradeAt },
      after: { start: upgradeAt, stop: upgradeAt + afterMs },
      services: request.services,
      endpoints: request.endpoints,
      signal: options.signal,
      onProgress: options.onProgress,
      log: options.log,
      // Counters the upgrade's "must stay flat" expectations read; absent when there are none.
      ...(counters.length ? { eventCounts: counters } : {}),
      ...(options.config.input.maxSeries !== undefined ? { maxSeries: options.config.input.maxSeries } : {}),
    });
    if (windows.latency.length === 0 && windows.upstreams.length === 0) {
      // A pass over zero findings would turn a misspelt --service into a green CI gate forever.
      const filters = [request.services?.length ? `services ${request.services.join(', ')}` : '', request.endpoints?.length ? `endpoints ${request.endpoints.join(', ')}` : '']
        .filter(Boolean)
        .join(' and ');
      throw new AppError('BAD_INPUT', `${source.description}: no telemetry in the windows${filters ? ` for ${filters}` : ''}; nothing to compare`);
    }
    checkFiltersMatch(windows, request, source.description);
    const settings = { ...analysisSettings(options.config), ...(options.settings ?? {}) };
    // Upstream calls carry no endpoint: see ./endpoint-scope.ts for what an endpoint filter makes of them.
    const scoped = request.endpoints?.length ? upstreamsOfSelectedServices(windows) : windows;
    const analysed = analyze(scoped, settings, { expectations: request.expectations });
    const result = request.endpoints?.length ? scopeVerdictToEndpoints(analysed, settings, request.endpoints) : analysed;
    if (!request.expectations?.some((e) => e.kind === 'flag')) return result;
    // Flag states come from Unleash (read-only), judged like the rest and added before the verdict is final.
    const service = request.services?.[0] ?? windows.latency[0]?.service ?? windows.upstreams[0]?.service ?? '';
    const reader = createFlagReader(options.config, options.env ?? process.env);
    const flagFindings = await checkFlagExpectations(request.expectations, { reader, service, signal: options.signal });
    return { ...result, report: withExpectationFindings(result.report, flagFindings) };
  } finally {
    await source.close?.();
  }
}
