/**
 * The report as JUnit XML, for CI systems that render test results (GitHub Actions reporters, GitLab, Jenkins,
 * Azure DevOps): one `<testsuite>` per service, one `<testcase>` per finding, the figures as `<property>`s (raw
 * numbers, as in the JSON report) and in the message (as people read them, through analysis/format.ts).
 *
 * Mapping (README "JUnit"), kept in step with the exit code so the test view and the build status agree:
 * - `regression` → `<failure type="regression">`;
 * - `insufficient_data` → `<skipped>` (could not be judged; the verdict is warn, which passes by default);
 *   with `failOn: 'warn'` → `<error type="insufficient_data">` (could not be judged, and that fails this gate);
 * - a significant change within tolerance passes, or with `failOn: 'warn'` is
 *   `<failure type="significant_within_tolerance">`;
 * - improvements and no change pass.
 * JUnit's `<error>` means "the test could not run", which is why too little data is never a `<failure>`.
 * Pure: Report in, string out; no clock (the windows and the upgrade time are properties instead of a timestamp).
 */
import { isSignificantWithinTolerance } from '../analysis/decide.ts';
import { formatChange, formatInterval, formatNumber, formatPValue, formatValuePair } from '../analysis/format.ts';
import type { Finding, Report } from '../analysis/types.ts';
import { DEFAULT_FAIL_ON, serviceReport, servicesOf, type FailOn } from './service-view.ts';

export interface JunitOptions {
  /** `warn`: findings that make the verdict warn fail their test case too (the CLI's `--fail-on warn`). */
  failOn?: FailOn;
}

type Outcome = { tag: 'failure' | 'error' | 'skipped'; type: string; message: string } | null;

/** Characters XML 1.0 cannot hold at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
// eslint-disable-next-line no-control-regex -- matching the control characters XML cannot carry is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content: markup characters escaped, characters XML cannot carry replaced by U+FFFD. */
export function escapeXmlText(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; tabs and line breaks as references, which parsers would else turn into spaces. */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

const attrs = (pairs: Array<[string, string | number]>) => pairs.map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`).join('');

function outcomeOf(f: Finding, report: Report, failOn: FailOn): Outcome {
  if (f.status === 'regression') return { tag: 'failure', type: 'regression', message: f.reason };
  if (f.status === 'insufficient_data') return { tag: failOn === 'warn' ? 'error' : 'skipped', type: 'insufficient_data', message: f.reason };
  if (failOn === 'warn' && isSignificantWithinTolerance(f, report.settings)) return { tag: 'failure', type: 'significant_within_tolerance', message: f.reason };
  return null;
}

/** A number as the JSON report writes it; null (unknown) leaves the property out. */
function numberText(x: number | null | undefined): string | null {
  if (x === null || x === undefined || Number.isNaN(x)) return null;
  return String(x);
}

function findingProperties(f: Finding): Array<[string, string]> {
  const out: Array<[string, string | null]> = [
    ['kind', f.kind],
    ['service', f.service],
    ['subject', f.subject],
    ['statistic', f.statistic],
    ['status', f.status],
    ['unit', f.unit],
    ['before', numberText(f.before)],
    ['after', numberText(f.after)],
    ['relativeChange', numberText(f.relativeChange)],
    ['ciLow', numberText(f.ci?.[0])],
    ['ciHigh', numberText(f.ci?.[1])],
    ['pValue', numberText(f.pValue)],
    ['qValue', numberText(f.qValue)],
    ['nBefore', numberText(f.nBefore)],
    ['nAfter', numberText(f.nAfter)],
    ['test', f.test],
    ['resolution', numberText(f.resolution)],
  ];
  return out.filter((p): p is [string, string] => p[1] !== null);
}

function properties(pairs: Array<[string, string]>, indent: string): string[] {
  return [`${indent}<properties>`, ...pairs.map(([name, value]) => `${indent}  <property${attrs([['name', name], ['value', value]])}/>`), `${indent}</properties>`];
}

/** The figures in words, for consumers that show only the message body. */
function figures(f: Finding): string {
  return `${f.statistic}: ${formatValuePair(f.before, f.after, f.unit)} (${formatChange(f.relativeChange)}; CI ${formatInterval(f.ci)}; q = ${formatPValue(f.qValue)}; n = ${formatNumber(f.nBefore)} / ${formatNumber(f.nAfter)})`;
}

function testcase(f: Finding, report: Report, failOn: FailOn): string[] {
  const out = [`    <testcase${attrs([['name', `${f.subject} ${f.statistic}`], ['classname', `${f.service}.${f.kind}`], ['time', 0]])}>`];
  out.push(...properties(findingProperties(f), '      '));
  const o = outcomeOf(f, report, failOn);
  if (o?.tag === 'skipped') out.push(`      <skipped${attrs([['message', o.message]])}/>`);
  else if (o) out.push(`      <${o.tag}${attrs([['message', o.message], ['type', o.type]])}>${escapeXmlText(`${o.message}\n${figures(f)}`)}</${o.tag}>`);
  out.push('    </testcase>');
  return out;
}

interface Tally {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function tally(findings: Finding[], report: Report, failOn: FailOn): Tally {
  const t = { tests: findings.length, failures: 0, errors: 0, skipped: 0 };
  for (const f of findings) {
    const o = outcomeOf(f, report, failOn);
    if (o?.tag === 'failure') t.failures++;
    else if (o?.tag === 'error') t.errors++;
    else if (o?.tag === 'skipped') t.skipped++;
  }
  return t;
}

const tallyAttrs = (t: Tally): Array<[string, number]> => [['tests', t.tests], ['failures', t.failures], ['errors', t.errors], ['skipped', t.skipped], ['time', 0]];

export function renderJunit(report: Report, options: JunitOptions = {}): string {
  const failOn = options.failOn ?? DEFAULT_FAIL_ON;
  const services = servicesOf(report);
  const total = tally(report.findings, report, failOn);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${attrs([['name', 'aftershock'], ...tallyAttrs(total)])}>`];
  // A report without findings still gets one (empty) suite, so the CI shows that aftershock ran.
  for (const service of services.length > 0 ? services : ['aftershock']) {
    const own = serviceReport(report, service);
    out.push(`  <testsuite${attrs([['name', service], ...tallyAttrs(tally(own.findings, report, failOn))])}>`);
    const suiteProps: Array<[string, string]> = [
      ['verdict', own.verdict],
      ['reportVerdict', report.verdict],
      ['failOn', failOn],
      ['upgradeAt', report.upgradeAt],
      ['beforeStart', report.windows.before.start],
      ['beforeStop', report.windows.before.stop],
      ['afterStart', report.windows.after.start],
      ['afterStop', report.windows.after.stop],
    ];
    if (report.source) suiteProps.push(['source', report.source]);
    out.push(...properties(suiteProps, '    '));
    for (const f of own.findings) out.push(...testcase(f, report, failOn));
    const notes = [report.summary, ...report.warnings.map((w) => `warning: ${w}`)].join('\n');
    out.push(`    <system-out>${escapeXmlText(notes)}</system-out>`, '  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
