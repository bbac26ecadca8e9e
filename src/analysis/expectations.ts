/**
 * Expectations of an upgrade as findings of kind `expectation`, each with a clear pass/fail and its reason:
 *  - `flag`: a feature flag is in the promised state (enabled in an environment, a strategy present, payload keys
 *    present, or gone altogether). The state is read by the runtime (Unleash Admin API) and judged here;
 *  - `flat`: an event counter (e.g. `fallback_total` per service) or the share of requests to an endpoint must not
 *    rise after the upgrade. Tested exactly like retry rates (exact conditional Poisson rate test, interval of the
 *    rate ratio, tolerance, and Benjamini-Hochberg together with every other finding of the report).
 * Pure: no I/O; the flag observation comes in as data.
 */
import { coverageOf, isSignificantWithinTolerance, summarize, verdictOf } from './decide.ts';
import { incompleteWindows } from './window-coverage.ts';
import type { Candidate } from './candidate.ts';
import { formatChange, formatInterval, formatPercent, formatPValue } from './format.ts';
import { rateCandidate } from './retry-rate.ts';
import type { AnalysisSettings, EventCountQuery, Finding, MetricWindows, Report, SampleSet, Tolerance } from './types.ts';

export interface FlagExpectation {
  kind: 'flag';
  name: string;
  flag: string;
  /** Unleash project and environment (default: the configured ones). */
  project?: string;
  environment?: string;
  /** The service the flag belongs to (shown with the finding; default: the upgrade's first service). */
  service?: string;
  /** The flag must be on (true, the default) or off (false) in the environment. */
  enabled?: boolean;
  /** The flag must no longer exist, or be archived (a removed deprecated flag). */
  gone?: boolean;
  /** A strategy of this name (e.g. `flexibleRollout`) must be present in the environment. */
  strategy?: string;
  /** Keys the JSON payload of a strategy variant must have; `variant` names the variant (default: any). */
  payloadKeys?: string[];
  variant?: string;
}

export interface FlatExpectation {
  kind: 'flat';
  name: string;
  /** An event counter (measurement) whose events per request must not rise; `field` sums a field instead of counting points. */
  counter?: EventCountQuery;
  /** Or: the share of a service's requests that go to this endpoint (an old code path) must not rise. */
  endpoint?: string;
  /** Services it applies to (default: every service the telemetry has). */
  services?: string[];
  /** A rise counts as a failure beyond both limits (default DEFAULT_FLAT_TOLERANCE). */
  tolerance?: Tolerance;
}

export type Expectation = FlagExpectation | FlatExpectation;

/** "Must stay flat": a significant rise of more than 10 % fails. */
export const DEFAULT_FLAT_TOLERANCE: Tolerance = { relative: 0.1, absolute: 0 };

/** What the flag adapter read for one flag expectation, or why it could not read it. */
export type FlagObservation =
  | { status: 'unavailable'; reason: string }
  | { status: 'missing' }
  | {
      status: 'found';
      archived?: boolean;
      /** Unleash marks a flag stale when it has lived longer than its type's expected lifetime. */
      stale?: boolean;
      environment: { name: string; enabled: boolean; strategies: Array<{ name: string; variants: Array<{ name: string; payload?: { type: string; value: string } }> }> } | null;
    };

const HOUR_MS = 3_600_000;

function requestsOf(s: SampleSet): number {
  if (s.kind === 'raw') return s.values.length;
  let n = 0;
  for (const c of s.counts) n += c;
  return n;
}

/** Requests per service and window, and per (service, endpoint). */
function requestCounts(windows: MetricWindows) {
  const service = new Map<string, { before: number; after: number }>();
  const endpoint = new Map<string, { before: number; after: number }>();
  for (const s of windows.latency) {
    const b = requestsOf(s.before);
    const a = requestsOf(s.after);
    const svc = service.get(s.service) ?? { before: 0, after: 0 };
    svc.before += b;
    svc.after += a;
    service.set(s.service, svc);
    endpoint.set(`${s.service}\u0000${s.endpoint}`, { before: b, after: a });
  }
  return { service, endpoint };
}

/** The counter name a flat expectation reads, as sources key it. */
export function counterKey(c: EventCountQuery): string {
  return c.field ? `${c.measurement}.${c.field}` : c.measurement;
}

const expectationOf = (e: Expectation) => ({ name: e.name, type: e.kind, outcome: 'unknown' as const });

/**
 * Candidates of the flat expectations, one per expectation and service, to go through `decide()` with the
 * report's other candidates. Rates are per request when the telemetry has the service's requests, else per hour.
 */
export function flatExpectationCandidates(windows: MetricWindows, expectations: Expectation[], settings: AnalysisSettings): Candidate[] {
  const counts = requestCounts(windows);
  const hours = { before: (windows.before.stop - windows.before.start) / HOUR_MS, after: (windows.after.stop - windows.after.start) / HOUR_MS };
  const out: Candidate[] = [];
  for (const e of expectations) {
    if (e.kind !== 'flat') continue;
    const tolerance = e.tolerance ?? DEFAULT_FLAT_TOLERANCE;
    const known = new Set([...counts.service.keys(), ...(windows.eventCounts ?? []).map((c) => c.service)]);
    const services = (e.services?.length ? e.services : [...known]).sort();
    for (const service of services) {
      const requests = counts.service.get(service);
      let candidate: Candidate;
      if (e.counter) {
        const key = counterKey(e.counter);
        const series = windows.eventCounts?.find((c) => c.counter === key && c.service === service);
        const events = { before: series?.before ?? 0, after: series?.after ?? 0 };
        const perRequest = requests !== undefined && requests.before > 0 && requests.after > 0;
        candidate = rateCandidate({
          kind: 'expectation',
          service,
          subject: key,
          statistic: perRequest ? 'events_per_request' : 'events_per_hour',
          label: `${key} ${perRequest ? 'per request' : 'per hour'}`,
          unit: perRequest ? 'per request' : 'per hour',
          countBefore: events.before,
          countAfter: events.after,
          exposureBefore: perRequest ? requests.before : hours.before,
          exposureAfter: perRequest ? requests.after : hours.after,
          minExposure: perRequest ? settings.minCalls : 0,
          exposureNoun: perRequest ? 'requests' : 'hours',
          nBefore: perRequest ? requests.before : events.before,
          nAfter: perRequest ? requests.after : events.after,
          tolerance,
          settings,
        });
      } else {
        const path = e.endpoint ?? '';
        const hits = counts.endpoint.get(`${service}\u0000${path}`) ?? { before: 0, after: 0 };
        candidate = rateCandidate({
          kind: 'expectation',
          service,
          subject: path,
          statistic: 'share_of_requests',
          label: `share of ${service} requests to ${path}`,
          unit: 'share',
          countBefore: hits.before,
          countAfter: hits.after,
          exposureBefore: requests?.before ?? 0,
          exposureAfter: requests?.after ?? 0,
          minExposure: settings.minCalls,
          exposureNoun: 'requests',
          tolerance,
          settings,
        });
      }
      candidate.finding.expectation = expectationOf(e);
      out.push(candidate);
    }
  }
  return out;
}

/** Pass/fail of a decided flat-expectation finding: a regression fails, too little data is unknown. */
export function settleFlatExpectation(f: Finding, settings: AnalysisSettings): Finding {
  if (f.kind !== 'expectation' || !f.expectation || f.expectation.type !== 'flat') return f;
  const name = f.expectation.name;
  if (f.status === 'insufficient_data') return { ...f, expectation: { ...f.expectation, outcome: 'unknown' }, reason: `Expectation "${name}" could not be checked: ${f.reason.replace(/^Insufficient data: /, '')}` };
  if (f.status === 'regression') return { ...f, expectation: { ...f.expectation, outcome: 'fail' }, reason: `Expectation "${name}" failed: it must stay flat, but it rose. ${f.reason}` };
  const note = isSignificantWithinTolerance(f, settings) ? 'it rose, but within the tolerance' : f.status === 'improvement' ? 'it fell' : 'it stayed flat';
  return { ...f, expectation: { ...f.expectation, outcome: 'pass' }, reason: `Expectation "${name}" holds: ${note} (${formatChange(f.relativeChange)}${f.ci ? `, ${formatPercent(settings.confidence)} CI ${formatInterval(f.ci)}` : ''}; q = ${formatPValue(f.qValue)}).` };
}

function parsedPayloadKeys(value: string): string[] | null {
  try {
    const v: unknown = JSON.parse(value);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : null;
  } catch {
    return null;
  }
}

/** What a flag expectation asks for, in words: "enabled in production with strategy flexibleRollout". */
export function describeFlagExpectation(e: FlagExpectation, environment: string): string {
  if (e.gone) return `"${e.flag}" is removed`;
  const parts = [`"${e.flag}" is ${e.enabled === false ? 'disabled' : 'enabled'} in ${environment}`];
  if (e.strategy) parts.push(`with strategy ${e.strategy}`);
  if (e.payloadKeys?.length) parts.push(`with payload keys ${e.payloadKeys.join(', ')}${e.variant ? ` in variant "${e.variant}"` : ''}`);
  return parts.join(' ');
}

/** Judges one flag expectation against what Unleash showed; `environment` is the one it was read in. */
export function flagExpectationFinding(e: FlagExpectation, observed: FlagObservation, options: { service: string; environment: string }): Finding {
  const wanted = describeFlagExpectation(e, options.environment);
  const base: Finding = {
    kind: 'expectation', service: e.service ?? options.service, subject: e.flag, statistic: 'flag_state', unit: '',
    before: null, after: null, relativeChange: null, ci: null, test: 'unleash-admin-api', pValue: null, qValue: null,
    status: 'insufficient_data', nBefore: 0, nAfter: 0, reason: '', expectation: { name: e.name, type: 'flag', outcome: 'unknown' },
  };
  const result = (outcome: 'pass' | 'fail' | 'unknown', why: string): Finding => ({
    ...base,
    status: outcome === 'pass' ? 'no_change' : outcome === 'fail' ? 'regression' : 'insufficient_data',
    expectation: { ...base.expectation!, outcome },
    reason: outcome === 'pass' ? `Expectation "${e.name}" holds: ${wanted}.` : outcome === 'fail' ? `Expectation "${e.name}" failed: ${wanted} was expected, but ${why}.` : `Expectation "${e.name}" could not be checked: ${why}.`,
  });
  if (observed.status === 'unavailable') return result('unknown', observed.reason);
  if (e.gone) {
    if (observed.status === 'missing' || observed.archived) return result('pass', '');
    return result('fail', `the flag still exists${observed.stale ? ' (Unleash marks it stale)' : ''}`);
  }
  if (observed.status === 'missing') return result('fail', 'the flag does not exist');
  if (observed.archived) return result('fail', 'the flag is archived');
  const env = observed.environment;
  if (!env) return result('fail', `the flag has no environment "${options.environment}"`);
  const enabled = e.enabled ?? true;
  if (env.enabled !== enabled) return result('fail', `it is ${env.enabled ? 'enabled' : 'disabled'}`);
  if (e.strategy && !env.strategies.some((s) => s.name === e.strategy)) {
    return result('fail', `it has no ${e.strategy} strategy (strategies: ${env.strategies.map((s) => s.name).join(', ') || 'none'})`);
  }
  if (e.payloadKeys?.length) {
    const variants = env.strategies.flatMap((s) => s.variants).filter((v) => !e.variant || v.name === e.variant);
    if (variants.length === 0) return result('fail', e.variant ? `no strategy has a variant "${e.variant}"` : 'no strategy has a variant with a payload');
    const problems: string[] = [];
    for (const v of variants) {
      if (!v.payload) {
        problems.push(`variant "${v.name}" has no payload`);
        continue;
      }
      const keys = v.payload.type === 'json' ? parsedPayloadKeys(v.payload.value) : null;
      if (!keys) {
        problems.push(`variant "${v.name}" has no JSON object payload`);
        continue;
      }
      const missing = e.payloadKeys.filter((k) => !keys.includes(k));
      if (missing.length === 0) return result('pass', '');
      problems.push(`variant "${v.name}" lacks ${missing.join(', ')}`);
    }
    return result('fail', problems.join('; '));
  }
  return result('pass', '');
}

/** Adds findings decided outside the analysis (flag expectations) to a report: verdict and summary follow. */
export function withExpectationFindings(report: Report, extra: Finding[]): Report {
  if (extra.length === 0) return report;
  const findings = [...report.findings, ...extra];
  const extraCounts = { incidents: report.incidents?.length ?? 0, incomplete: incompleteWindows(report) };
  const verdict = verdictOf(findings, report.settings, extraCounts);
  return { ...report, findings, verdict, summary: summarize(findings, verdict, report.settings, extraCounts), coverage: coverageOf(findings) };
}
