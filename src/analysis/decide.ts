/**
 * The decision rule. A finding is a regression only if it is significant after Benjamini-Hochberg across all
 * findings of the report (q < fdr) AND the change is for the worse beyond both tolerance limits. Controlling
 * the false-discovery rate over the whole report, not per test, is what keeps a report with 200 findings from
 * crying wolf; the tolerance is what keeps a million samples from making a 1 % shift "a regression".
 */
import { benjaminiHochberg } from '../stats/index.ts';
import { beyondTolerance, type Candidate } from './candidate.ts';
import { formatChange, formatInterval, formatNumber, formatPercent, formatPValue, formatTolerance, formatValuePair } from './format.ts';
import type { AnalysisSettings, Finding, FindingStatus, Verdict } from './types.ts';

export function decide(candidates: Candidate[], settings: AnalysisSettings): Finding[] {
  const testedIdx: number[] = [];
  const pValues: number[] = [];
  candidates.forEach((c, i) => {
    if (!c.insufficient && c.finding.pValue !== null && Number.isFinite(c.finding.pValue)) {
      testedIdx.push(i);
      pValues.push(c.finding.pValue);
    }
  });
  const qValues = new Array<number | null>(candidates.length).fill(null);
  if (pValues.length > 0) {
    const adjusted = benjaminiHochberg(pValues);
    testedIdx.forEach((idx, k) => (qValues[idx] = adjusted[k]));
  }
  return candidates.map((c, i) => {
    const q = qValues[i];
    const { status, reason } = classify(c, q, settings);
    return { ...c.finding, qValue: q, status, reason } as Finding;
  });
}

function classify(c: Candidate, q: number | null, settings: AnalysisSettings): { status: FindingStatus; reason: string } {
  const f = c.finding;
  if (c.insufficient) return { status: 'insufficient_data', reason: `Insufficient data: ${c.insufficient}.` };
  const change = `${formatValuePair(f.before, f.after, f.unit)}, ${formatChange(f.relativeChange)}`;
  const ciText = f.ci ? `; ${formatPercent(settings.confidence)} CI ${formatInterval(f.ci)}` : '';
  const tol = formatTolerance(c.tolerance, f.unit);
  const significant = q !== null && q < settings.fdr && c.direction !== 0;
  if (!significant) {
    return {
      status: 'no_change',
      reason: `No significant change in ${c.label} (${change}${ciText}; q = ${formatPValue(q)}).`,
    };
  }
  const before = f.before ?? 0;
  const after = f.after ?? 0;
  // The test (e.g. at the pooled quantile) and the interval of the change measure slightly different things; when
  // they disagree the evidence is weak, and a `fail` can trigger automated actions: require both to agree.
  const intervalAgrees = (dir: 1 | -1) => !f.ci || (dir === 1 ? f.ci[0] > 0 : f.ci[1] < 0);
  if (c.direction !== 0 && beyondTolerance(before, after, c.tolerance, c.direction) && !intervalAgrees(c.direction)) {
    return {
      status: 'no_change',
      reason:
        `${capitalize(c.label)} changed significantly (${change}${ciText}; q = ${formatPValue(q)}) but the interval of the ` +
        `change still includes no change, so it is not called ${c.direction === 1 ? 'a regression' : 'an improvement'}.`,
    };
  }
  if (c.direction === 1 && beyondTolerance(before, after, c.tolerance, 1)) {
    return {
      status: 'regression',
      reason: `${capitalize(c.label)} got worse: ${change}${ciText}; q = ${formatPValue(q)}; beyond the tolerance of ${tol}.`,
    };
  }
  if (c.direction === -1 && beyondTolerance(before, after, c.tolerance, -1)) {
    return {
      status: 'improvement',
      reason: `${capitalize(c.label)} improved: ${change}${ciText}; q = ${formatPValue(q)}.`,
    };
  }
  return {
    status: 'no_change',
    reason: `${capitalize(c.label)} changed significantly (${change}${ciText}; q = ${formatPValue(q)}) but within the tolerance of ${tol}.`,
  };
}

/** True for a no_change finding that is nevertheless statistically significant (drives the `warn` verdict). */
export function isSignificantWithinTolerance(f: Finding, settings: AnalysisSettings): boolean {
  return f.status === 'no_change' && f.qValue !== null && f.qValue < settings.fdr;
}

export function verdictOf(findings: Finding[], settings: AnalysisSettings): Verdict {
  if (findings.some((f) => f.status === 'regression')) return 'fail';
  if (findings.some((f) => f.status === 'insufficient_data' || isSignificantWithinTolerance(f, settings))) return 'warn';
  return 'pass';
}

/** Places (service + subject) named in a fail summary before the rest are only counted. */
const SUMMARY_PLACES = 5;

export function summarize(findings: Finding[], verdict: Verdict, settings: AnalysisSettings): string {
  const regressions = findings.filter((f) => f.status === 'regression');
  if (verdict === 'fail') {
    // Lead with what users feel (tail latency), then retries/backoff, which are usually the cause.
    const kindOrder = { tail_latency: 0, retry_rate: 1, backoff: 2, expectation: 3 };
    const worst = [...regressions].sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || (b.relativeChange ?? 0) - (a.relativeChange ?? 0))[0];
    const where = [...new Set(regressions.map((f) => `${f.service} ${f.subject}`))];
    // 300 regressed endpoints would make a summary line of kilobytes (stderr, ticket title): name a few, count the rest.
    const places = where.length > SUMMARY_PLACES ? `${where.slice(0, SUMMARY_PLACES).join(', ')} and ${where.length - SUMMARY_PLACES} more places` : where.join(', ');
    return `Fail: ${regressions.length} regression${regressions.length === 1 ? '' : 's'} in ${places}; most visible: ${worst.service} ${worst.subject} ${worst.statistic} ${formatValuePair(worst.before, worst.after, worst.unit)} (${formatChange(worst.relativeChange)}).`;
  }
  if (verdict === 'warn') {
    const within = findings.filter((f) => isSignificantWithinTolerance(f, settings)).length;
    const insufficient = findings.filter((f) => f.status === 'insufficient_data').length;
    const parts = [];
    if (within) parts.push(`${within} significant change${within === 1 ? '' : 's'} within tolerance`);
    if (insufficient) parts.push(`${insufficient} finding${insufficient === 1 ? '' : 's'} with insufficient data`);
    return `Warn: no regression beyond tolerance, but ${parts.join(' and ')}.`;
  }
  const improvements = findings.filter((f) => f.status === 'improvement').length;
  return `Pass: no regression among ${formatNumber(findings.length)} findings${improvements ? ` (${improvements} improvement${improvements === 1 ? '' : 's'})` : ''}.`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
