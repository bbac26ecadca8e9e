/**
 * One service's share of a report, for the pipeline gates (Argo Rollouts, Flagger), the CLI's `--fail-on`
 * and notifications: the service's own verdict (`verdictOf` over its findings only, with the report's settings,
 * so it agrees with the per-service `/v1/verdict`), the one-sentence summary, its regressions worst first, and
 * the counts a gate condition needs. Pure: Report in, plain data out.
 */
import { isSignificantWithinTolerance, verdictOf } from '../analysis/decide.ts';
import { incompleteWindows } from '../analysis/window-coverage.ts';
import type { Finding, Report, Verdict } from '../analysis/types.ts';
import { regressionsBySeverity, verdictSentence } from '../charts/plain-words.ts';

/** What a pipeline does with a verdict: `warn` fails it only when asked (`--fail-on warn`). */
export const FAIL_ON = ['warn', 'fail'] as const;
export type FailOn = (typeof FAIL_ON)[number];
export const DEFAULT_FAIL_ON: FailOn = 'fail';

/**
 * The gate of a pipeline step. `inconclusive` = no regression but too little data to decide (Argo Rollouts
 * pauses the rollout on it; Flagger halts). Separate from the verdict so a gate can wait for data instead of
 * passing a warn it could not judge.
 */
export type Gate = 'pass' | 'fail' | 'inconclusive';

export interface ServiceCounts {
  findings: number;
  regressions: number;
  improvements: number;
  insufficientData: number;
  significantWithinTolerance: number;
}

export interface ServiceView {
  service: string;
  verdict: Verdict;
  /** e.g. "Fail: /checkout got slower for the slowest 1 % of requests (p99 656 → 805 ms, +23 %)." */
  sentence: string;
  /** The service's regressions, what users feel first (tail latency), then by relative change. */
  regressions: Finding[];
  counts: ServiceCounts;
}

/** The report restricted to one service, its verdict recomputed from that service's findings. */
export function serviceReport(report: Report, service: string): Report {
  const findings = report.findings.filter((f) => f.service === service);
  const incidents = (report.incidents ?? []).filter((i) => i.service === service);
  return { ...report, findings, incidents, verdict: verdictOf(findings, report.settings, { incidents: incidents.length, incomplete: incompleteWindows(report) }) };
}

export function serviceView(report: Report, service: string): ServiceView {
  const own = serviceReport(report, service);
  const { findings } = own;
  return {
    service,
    verdict: own.verdict,
    sentence: verdictSentence(own),
    regressions: regressionsBySeverity(own),
    counts: {
      findings: findings.length,
      regressions: findings.filter((f) => f.status === 'regression').length,
      improvements: findings.filter((f) => f.status === 'improvement').length,
      insufficientData: findings.filter((f) => f.status === 'insufficient_data').length,
      significantWithinTolerance: findings.filter((f) => isSignificantWithinTolerance(f, report.settings)).length,
    },
  };
}

/** Services a report covers, in order of first appearance. */
export function servicesOf(report: Report): string[] {
  return [...new Set(report.findings.map((f) => f.service))];
}

/**
 * The gate for a verdict and its counts: a regression fails; otherwise too little data is inconclusive; a warn
 * that is only a significant change within tolerance passes, unless `failOn` is `warn`.
 */
export function gateOf(verdict: Verdict, counts: Pick<ServiceCounts, 'insufficientData'>, failOn: FailOn = DEFAULT_FAIL_ON): Gate {
  if (verdict === 'fail') return 'fail';
  if (verdict === 'pass') return 'pass';
  if (counts.insufficientData > 0) return 'inconclusive';
  return failOn === 'warn' ? 'fail' : 'pass';
}

/** Whether a verdict fails a pipeline that fails on `failOn` (the CLI's exit code 1). */
export function failsPipeline(verdict: Verdict, failOn: FailOn = DEFAULT_FAIL_ON): boolean {
  return verdict === 'fail' || (failOn === 'warn' && verdict === 'warn');
}
