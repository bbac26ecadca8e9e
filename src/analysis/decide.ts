/**
 * The decision rule. A finding is a regression only if it is significant after Benjamini-Hochberg across all
 * findings of the report (q < fdr) AND the change is for the worse beyond both tolerance limits. Controlling
 * the false-discovery rate over the whole report, not per test, is what keeps a report with 200 findings from
 * crying wolf; the tolerance is what keeps a million samples from making a 1 % shift "a regression".
 */
import { benjaminiHochberg, memoIn } from '../stats/index.ts';
import { beyondTolerance, type Candidate } from './candidate.ts';
import { formatChange, formatInterval, formatNumber, formatPercent, formatPValue, formatTolerance, formatValue, formatValuePair } from './format.ts';
import type { AnalysisSettings, Coverage, Finding, FindingStatus, Verdict } from './types.ts';

/** The findings of the candidates, decided together; each candidate's `finding` object is completed into its finding. */
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
  // Each candidate's finding object becomes the finding (the same fields in the same order as a copy with these
  // three added): a copy per finding outlived the young generation and left the size of the report as garbage in
  // the old one (half a million findings at 100 000 endpoints, issue 12). So the candidates' findings belong to
  // the result afterwards. Plain assignments, in this order: they overwrite the placeholders a finding may carry
  // (its shape kept, see tail-latency.ts) or append the three fields, as Object.assign did.
  return candidates.map((c, i) => {
    const q = qValues[i];
    const { status, reason } = classify(c, q, settings);
    const f = c.finding as Finding;
    f.qValue = q;
    f.status = status;
    f.reason = reason;
    return f;
  });
}

function classify(c: Candidate, q: number | null, settings: AnalysisSettings): { status: FindingStatus; reason: string } {
  const f = c.finding;
  if (c.insufficient) return { status: 'insufficient_data', reason: insufficientReason(c.insufficient) };
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
  // Histograms: the estimates lie somewhere inside their buckets. Only a change beyond tolerance for EVERY placement
  // inside them is a regression (improvement); a coarse layout otherwise turns a true +4 % into a "+10 %" fail.
  const resolves = (dir: 1 | -1) => {
    const r = c.bucketRanges;
    if (!r) return true;
    return dir === 1 ? beyondTolerance(r.before[1], r.after[0], c.tolerance, 1) : beyondTolerance(r.before[0], r.after[1], c.tolerance, -1);
  };
  if (c.direction !== 0 && beyondTolerance(before, after, c.tolerance, c.direction) && !resolves(c.direction)) {
    const r = c.bucketRanges!;
    const range = (lo: number, hi: number) => `${formatNumber(lo)}–${formatValue(hi, f.unit)}`;
    return {
      status: 'no_change',
      reason:
        `${capitalize(c.label)} changed significantly (${change}${ciText}; q = ${formatPValue(q)}) but the histogram buckets ` +
        `(before in ${range(r.before[0], r.before[1])}, after in ${range(r.after[0], r.after[1])}) cannot tell it from the tolerance of ${tol}, ` +
        `so it is not called ${c.direction === 1 ? 'a regression' : 'an improvement'}; ` +
        `bucket edges between ${formatNumber(Math.min(r.before[0], r.after[0]))} and ${formatValue(Math.max(r.before[1], r.after[1]), f.unit)} would resolve it.`,
    };
  }
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

/**
 * fail: any regression. warn: something a person should look at — a significant change within tolerance (or one
 * whose interval or bucket resolution cannot back it), an incident, or nothing that could be judged at all.
 * Findings with too little data do not make a report `warn` on their own while the judged ones are clean (with
 * 200 endpoints nearly every clean report would be `warn` and `warn` would carry no information): the report's
 * `coverage` says how much could be judged. A window that is partly empty or was cut at the time of the analysis
 * (`incomplete`, see window-coverage.ts) makes a clean report `warn`: no green on data that is not all there.
 */
export function verdictOf(findings: Finding[], settings: AnalysisSettings, extra: VerdictExtras = {}): Verdict {
  if (findings.some((f) => f.status === 'regression')) return 'fail';
  if (findings.some((f) => isSignificantWithinTolerance(f, settings))) return 'warn';
  if ((extra.incidents ?? 0) > 0) return 'warn';
  if ((extra.incomplete ?? 0) > 0) return 'warn';
  if (findings.length > 0 && findings.every((f) => f.status === 'insufficient_data')) return 'warn';
  return 'pass';
}

/** What besides the findings decides a verdict: incidents found, and windows that are incomplete (window-coverage.ts). */
export interface VerdictExtras {
  incidents?: number;
  incomplete?: number;
}

/** How much of the report could be judged: findings and subjects with enough data. */
export function coverageOf(findings: Finding[]): Coverage {
  const subjects = new Set<string>();
  const judgedSubjects = new Set<string>();
  let judged = 0;
  // A subject's findings come one after another: its key is made once for them, not once or twice per finding
  // (half a million findings at 100 000 endpoints, issue 12). Only the counts of distinct keys are reported.
  let key = '';
  let last: Finding | undefined;
  for (const f of findings) {
    if (last === undefined || (f.kind === 'tail_latency') !== (last.kind === 'tail_latency') || f.service !== last.service || f.subject !== last.subject) {
      key = `${f.kind === 'tail_latency' ? 'e' : 'u'}\u0000${f.service}\u0000${f.subject}`;
      subjects.add(key);
    }
    last = f;
    if (f.status !== 'insufficient_data') {
      judged++;
      judgedSubjects.add(key);
    }
  }
  return { findings: findings.length, judged, insufficient: findings.length - judged, subjects: subjects.size, subjectsJudged: judgedSubjects.size };
}

/** Places (service + subject) named in a fail summary before the rest are only counted. */
const SUMMARY_PLACES = 5;

export function summarize(findings: Finding[], verdict: Verdict, settings: AnalysisSettings, extra: VerdictExtras = {}): string {
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
  const insufficient = findings.filter((f) => f.status === 'insufficient_data').length;
  if (verdict === 'warn') {
    const within = findings.filter((f) => isSignificantWithinTolerance(f, settings)).length;
    const incidents = extra.incidents ?? 0;
    const parts = [];
    if (within) parts.push(`${within} significant change${within === 1 ? '' : 's'} within tolerance or not resolved`);
    if (incidents) parts.push(`${incidents} incident${incidents === 1 ? '' : 's'} (a short burst left out of the comparison; see Incidents)`);
    const incomplete = extra.incomplete ?? 0;
    if (incomplete) parts.push(`${incomplete === 1 ? 'a window is' : 'both windows are'} not completely covered by data (see the warnings and windowCoverage)`);
    if (parts.length === 0 && insufficient) parts.push(`no finding had enough data to be judged (${insufficient} with insufficient data)`);
    return `Warn: no regression beyond tolerance, but ${parts.join(' and ')}.`;
  }
  const improvements = findings.filter((f) => f.status === 'improvement').length;
  const judged = findings.length - insufficient;
  const notJudged = insufficient ? `; ${formatNumber(insufficient)} more had too little data to judge` : '';
  return `Pass: no regression among ${formatNumber(judged)} judged finding${judged === 1 ? '' : 's'}${improvements ? ` (${improvements} improvement${improvements === 1 ? '' : 's'})` : ''}${notJudged}.`;
}

/**
 * "Insufficient data: ….": most findings of a large report have one of a few such reasons (tail-latency.ts shares
 * its texts), so each is made once and shared rather than held once per finding (issue 12). Bounded.
 */
const INSUFFICIENT = new Map<string, string>();
const INSUFFICIENT_LIMIT = 10_000;

function insufficientReason(why: string): string {
  return memoIn(INSUFFICIENT, why, INSUFFICIENT_LIMIT, () => `Insufficient data: ${why}.`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
