/**
 * What `--service` / `--endpoint` filters mean for a run (issue 14, item 17), decided from the MetricWindows a
 * source returned:
 * - a filter value that matches no telemetry is bad input (exit 2 naming it): a misspelt `--endpoint /chekout`
 *   used to shrink the gate to nothing but a warning;
 * - upstream calls carry no endpoint (data contract), so under an endpoint filter nobody can tell which upstream
 *   calls served the selected endpoints. The verdict is then decided by the selected endpoints' latency findings;
 *   retry and backoff findings of the services that serve a selected endpoint are still analysed and reported,
 *   marked `decidesVerdict: false` with a warning naming any regression among them, and upstreams of services
 *   without a selected endpoint are left out. A gate on /cart must not fail on /checkout's payment retries (a
 *   wrong red teaches people to ignore the gate); a retry regression that hurts /cart shows in /cart's tail
 *   latency, which does decide.
 */
import { summarize, verdictOf } from '../analysis/decide.ts';
import { incompleteWindows } from '../analysis/window-coverage.ts';
import type { AnalysisResult, AnalysisSettings, Finding, MetricWindows } from '../analysis/types.ts';
import { AppError } from '../errors.ts';

/** Additive field of the report contract: present (false) only on findings that are reported but do not decide. */
export type ScopedFinding = Finding & { decidesVerdict?: boolean };

export function decidesVerdict(f: Finding): boolean {
  return (f as ScopedFinding).decidesVerdict !== false;
}

/** Places named in the warning before the rest are only counted. */
const WARNING_PLACES = 5;

export interface Filters {
  services?: string[];
  endpoints?: string[];
}

/** Throws BAD_INPUT naming every filter value that matches no series in the windows. */
export function checkFiltersMatch(windows: MetricWindows, filters: Filters, source: string): void {
  const services = new Set([...windows.latency.map((l) => l.service), ...windows.upstreams.map((u) => u.service)]);
  const endpoints = new Set(windows.latency.map((l) => l.endpoint));
  const problems = [
    ...(filters.services ?? []).filter((s) => !services.has(s)).map((s) => `service filter "${s}" matches no telemetry`),
    ...(filters.endpoints ?? []).filter((e) => !endpoints.has(e)).map((e) => `endpoint filter "${e}" matches no requests`),
  ];
  if (problems.length === 0) return;
  const matched = [...(filters.endpoints?.length ? [...endpoints].map((e) => `endpoint ${e}`) : []), ...[...services].map((s) => `service ${s}`)];
  throw new AppError(
    'BAD_INPUT',
    `${source}: ${problems.join('; ')} in the windows (names match exactly; the filters matched ${matched.length ? matched.slice(0, WARNING_PLACES).join(', ') : 'nothing'}${matched.length > WARNING_PLACES ? ', …' : ''})`,
  );
}

/** Under an endpoint filter: only the upstreams of services that serve a selected endpoint. */
export function upstreamsOfSelectedServices(windows: MetricWindows): MetricWindows {
  const serving = new Set(windows.latency.map((l) => l.service));
  return { ...windows, upstreams: windows.upstreams.filter((u) => serving.has(u.service)) };
}

/** Marks upstream findings as not deciding and recomputes verdict and summary from the endpoint findings. */
export function scopeVerdictToEndpoints(result: AnalysisResult, settings: AnalysisSettings, endpoints: string[]): AnalysisResult {
  const findings: ScopedFinding[] = result.report.findings.map((f) => (f.kind === 'tail_latency' ? f : { ...f, decidesVerdict: false }));
  const deciding = findings.filter(decidesVerdict);
  // Incidents of the selected endpoints count; upstream bursts do not decide, like upstream findings.
  const extra = { incidents: (result.report.incidents ?? []).filter((i) => i.kind === 'tail_latency').length, incomplete: incompleteWindows(result.report) };
  const verdict = verdictOf(deciding, settings, extra);
  const warnings = [...result.report.warnings];
  const context = findings.filter((f) => !decidesVerdict(f));
  if (context.length > 0) {
    const regressed = [...new Set(context.filter((f) => f.status === 'regression').map((f) => `${f.service} ${f.subject} ${f.statistic}`))];
    const named = regressed.length > WARNING_PLACES ? `${regressed.slice(0, WARNING_PLACES).join(', ')} and ${regressed.length - WARNING_PLACES} more` : regressed.join(', ');
    warnings.push(
      `endpoint filter (${endpoints.join(', ')}): ${context.length} retry/backoff finding${context.length === 1 ? ' is' : 's are'} reported but do${context.length === 1 ? 'es' : ''} not decide the verdict, ` +
        `because upstream calls carry no endpoint${regressed.length ? `; regressions among them: ${named}` : ''}; run without --endpoint to gate on upstream calls too`,
    );
  }
  return { ...result, report: { ...result.report, findings, verdict, summary: summarize(deciding, verdict, settings, extra), warnings } };
}
