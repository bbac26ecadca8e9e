/**
 * Plain-English wording of findings and verdicts for chart titles and the report page. A product owner
 * should read "the slowest 1 % of requests", not "p99"; the statistic stays in parentheses for SREs.
 */
import { formatChange, formatPercent, formatValuePair } from '../analysis/format.ts';
import type { Finding, Report } from '../analysis/types.ts';

const PERCENTILE = /^p(\d+(?:\.\d+)?)$/;

/** Quantile level of a statistic name such as "p99.9" (0.999), or null for non-quantile statistics. */
export function quantileLevel(statistic: string): number | null {
  const m = PERCENTILE.exec(statistic);
  if (!m) return null;
  const level = Number(m[1]) / 100;
  return level > 0 && level < 1 ? level : null;
}

/** "the typical request (median)", "the slowest 1 % of requests", … */
export function whoIsAffected(statistic: string): string {
  const level = quantileLevel(statistic);
  if (level === null) return statistic;
  if (Math.abs(level - 0.5) < 1e-9) return 'the typical request';
  return `the slowest ${formatPercent(1 - level)} of requests`;
}

/** Human names for the non-quantile statistics the analysis reports. */
export function statisticLabel(statistic: string): string {
  const labels: Record<string, string> = {
    retries_per_call: 'retries per call',
    exhausted_rate: 'share of calls that gave up',
    median_wait: 'median backoff wait',
    events_per_request: 'events per request',
    events_per_hour: 'events per hour',
    share_of_requests: 'share of requests',
    flag_state: 'flag state',
  };
  return labels[statistic] ?? statistic.replace(/_/g, ' ');
}

/** Name of a subject, with the service when the report covers several services. */
export function subjectLabel(f: Pick<Finding, 'service' | 'subject'>, withService: boolean): string {
  return withService ? `${f.subject} (${f.service})` : f.subject;
}

export function hasSeveralServices(report: Report): boolean {
  return new Set(report.findings.map((f) => f.service)).size > 1;
}

/** "/checkout got slower for the slowest 1 % of requests" and the like. */
export function findingPhrase(f: Finding, withService = false): string {
  const who = subjectLabel(f, withService);
  if (f.kind === 'expectation') {
    const name = f.expectation?.name ?? f.subject;
    const what = f.expectation?.type === 'flag' ? `flag ${f.subject}` : who;
    const outcome = f.expectation?.outcome ?? (f.status === 'regression' ? 'fail' : f.status === 'insufficient_data' ? 'unknown' : 'pass');
    return `expectation "${name}" (${what}) ${outcome === 'fail' ? 'failed' : outcome === 'unknown' ? 'could not be checked' : 'holds'}`;
  }
  const worse = f.status === 'regression' || (f.status !== 'improvement' && (f.relativeChange ?? 0) > 0);
  const changed = f.status === 'regression' || f.status === 'improvement';
  if (f.kind === 'tail_latency') {
    if (!changed) return `${who} showed no meaningful change for ${whoIsAffected(f.statistic)}`;
    return `${who} got ${worse ? 'slower' : 'faster'} for ${whoIsAffected(f.statistic)}`;
  }
  if (f.kind === 'retry_rate') {
    if (f.statistic === 'exhausted_rate') {
      if (!changed) return `calls to ${who} gave up after all retries about as often as before`;
      return `${worse ? 'more' : 'fewer'} calls to ${who} gave up after all retries`;
    }
    if (!changed) return `calls to ${who} were retried about as often as before`;
    return `calls to ${who} were retried ${worse ? 'more' : 'less'} often`;
  }
  if (!changed) return `calls to ${who} waited about as long between retries as before`;
  return `calls to ${who} waited ${worse ? 'longer' : 'less'} between retries`;
}

/** "(p99 656 → 805 ms, +23 %)"; empty for a flag expectation, which has no numbers. */
export function findingNumbers(f: Finding): string {
  if (f.kind === 'expectation' && f.expectation?.type === 'flag') return '';
  const stat = quantileLevel(f.statistic) === null ? statisticLabel(f.statistic) : f.statistic;
  return `(${stat} ${formatValuePair(f.before, f.after, f.unit)}, ${formatChange(f.relativeChange)})`;
}

/** The phrase and, when the finding has numbers, its numbers: "/checkout got slower … (p99 656 → 805 ms, +23 %)". */
export function phraseWithNumbers(f: Finding, withService = false): string {
  return [findingPhrase(f, withService), findingNumbers(f)].filter(Boolean).join(' ');
}

function capitalize(s: string): string {
  return s.length > 0 && s[0] >= 'a' && s[0] <= 'z' ? s[0].toUpperCase() + s.slice(1) : s;
}

/** Regressions, worst (largest relative change) first. */
/** What users feel comes first: tail latency, then retries and backoff (usually the cause); then the largest change. */
const KIND_ORDER: Record<Finding['kind'], number> = { tail_latency: 0, retry_rate: 1, backoff: 2, expectation: 3 };

export function regressionsBySeverity(report: Report): Finding[] {
  return report.findings
    .filter((f) => f.status === 'regression')
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (b.relativeChange ?? 0) - (a.relativeChange ?? 0));
}

/**
 * The one sentence at the top of the page, e.g.
 * "Fail: /checkout got slower for the slowest 1 % of requests (p99 656 → 805 ms, +23 %)."
 */
export function verdictSentence(report: Report): string {
  const label = { pass: 'Pass', warn: 'Warn', fail: 'Fail' }[report.verdict];
  const withService = hasSeveralServices(report);
  const regressions = regressionsBySeverity(report);
  if (regressions.length > 0) {
    const worst = regressions[0];
    const more = regressions.length - 1;
    const tail = more > 0 ? `, and ${more} more regression${more === 1 ? '' : 's'} below` : '';
    return `${label}: ${phraseWithNumbers(worst, withService)}${tail}.`;
  }
  const endpoints = new Set(report.findings.filter((f) => f.kind === 'tail_latency').map((f) => `${f.service}\u0000${f.subject}`)).size;
  const upstreams = new Set(report.findings.filter((f) => f.kind === 'retry_rate' || f.kind === 'backoff').map((f) => `${f.service}\u0000${f.subject}`)).size;
  const expectations = report.findings.filter((f) => f.kind === 'expectation');
  const checks = expectations.length > 0 ? `, ${endpoints} endpoint${endpoints === 1 ? '' : 's'}, ${upstreams} upstream API${upstreams === 1 ? '' : 's'} and ${expectations.length} expectation check${expectations.length === 1 ? '' : 's'}` : '';
  const scope = checks ? checks.slice(2) : `${endpoints} endpoint${endpoints === 1 ? '' : 's'} and ${upstreams} upstream API${upstreams === 1 ? '' : 's'}`;
  const undecided = report.findings.filter((f) => f.status === 'insufficient_data' && f.kind !== 'expectation').length;
  const unchecked = expectations.filter((f) => f.status === 'insufficient_data').length;
  const withinTolerance = report.findings.filter((f) => f.status === 'no_change' && f.qValue !== null && f.qValue < report.settings.fdr).length;
  if (report.verdict === 'pass') return `Pass: no regression found across ${scope}.`;
  const buts: string[] = [];
  if (withinTolerance > 0) buts.push(`${withinTolerance} change${withinTolerance === 1 ? ' was' : 's were'} real but within the tolerance`);
  if (undecided > 0) buts.push(`${undecided} check${undecided === 1 ? ' had' : 's had'} too little data to decide`);
  if (unchecked > 0) buts.push(`${unchecked} expectation${unchecked === 1 ? '' : 's'} could not be checked`);
  if (buts.length > 0) return `${label}: no regression found across ${scope}, but ${buts.join(' and ')}.`;
  return `${label}: ${capitalize(report.summary.replace(/^(pass|warn|fail):\s*/i, '').replace(/\.$/, ''))}.`;
}
