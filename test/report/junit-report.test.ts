/**
 * The JUnit writer, read back by real JUnit consumers instead of string matching: `junit2json` (npm, xml2js
 * underneath, as GitHub Actions reporters parse it), Debian's `python3-junitparser` (what CI scripts use to
 * merge and inspect JUnit files) and libxml2's `xmllint` (well-formedness, XPath for the per-case properties).
 * The Debian packages are installed here when missing (the check is a file test when they are present).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'junit2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/analysis/types.ts';
import { renderJunit } from '../../src/report/junit-report.ts';
import { ensureDebianPackages } from '../setup/chromium.global.ts';
import { finding, makeReport } from '../store/report-fixtures.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  ensureDebianPackages(
    [
      { name: 'libxml2-utils', provides: '/usr/bin/xmllint' },
      { name: 'python3-junitparser', provides: '/usr/lib/python3/dist-packages/junitparser/__init__.py' },
    ],
    'junit consumers',
  );
}, 300_000);

const HOSTILE = '/x<script>&"\'\u0001\nend';

function findings(): Finding[] {
  const insufficient: Finding = { ...finding('shop', '/cart', 'insufficient_data'), pValue: null, qValue: null, reason: 'Insufficient data: 12 requests after the upgrade; p99 needs 1,000.' };
  const within: Finding = { ...finding('shop', '/search', 'no_change'), qValue: 0.001, pValue: 0.0002, reason: 'P99 latency changed significantly but within the tolerance.' };
  return [
    finding('shop', '/checkout', 'regression'),
    insufficient,
    within,
    finding('shop', HOSTILE, 'no_change'),
    { ...finding('payments', 'card-api', 'regression'), kind: 'retry_rate', statistic: 'retries_per_call', unit: 'retries/call', before: 0.02, after: 0.05, relativeChange: 1.5, ci: [0.9, Number.POSITIVE_INFINITY] },
  ];
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 30_000 });
  // xmllint --xpath ends its answer with a newline.
  return { code: r.status, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr };
}

/** What python3-junitparser (Debian) reads: per suite name, counts, and per case its result tag and type. */
function junitparser(file: string) {
  const script = `
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
out = []
for suite in xml:
    cases = []
    for case in suite:
        res = [{"tag": type(r).__name__, "type": r.type, "message": r.message} for r in case.result]
        cases.append({"name": case.name, "classname": case.classname, "result": res})
    out.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "errors": suite.errors,
                "skipped": suite.skipped, "props": {p.name: p.value for p in suite.properties()}, "cases": cases})
print(json.dumps(out))
`;
  const r = run('/usr/bin/python3', ['-c', script, file]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Array<{ name: string; tests: number; failures: number; errors: number; skipped: number; props: Record<string, string>; cases: Array<{ name: string; classname: string; result: Array<{ tag: string; type: string | null; message: string }> }> }>;
}

describe('JUnit report', () => {
  const report = makeReport('fail', findings());

  it('is well-formed XML (xmllint), hostile telemetry names included', () => {
    const file = write('default.xml', renderJunit(report));
    const r = run('xmllint', ['--noout', file]);
    expect(r.code, r.stderr).toBe(0);
    // The escaped name reads back as the name, with the character XML cannot hold replaced.
    const name = run('xmllint', ['--xpath', 'string(//testsuite[@name="shop"]/testcase[4]/@name)', file]);
    expect(name.stdout).toBe('/x<script>&"\'\uFFFD\nend p99');
  });

  it('junit2json: one suite per service, one case per finding, failures for regressions, skipped for insufficient data', async () => {
    const parsed = (await parse(renderJunit(report))) as { tests: number; failures: number; errors: number; testsuite: Array<{ name: string; tests: number; failures: number; errors: number; skipped: number; testcase: Array<{ name: string; classname: string; failure?: Array<{ type: string; message: string; inner: string }>; skipped?: Array<{ message: string }>; error?: unknown[] }> }> };
    expect(parsed).toMatchObject({ tests: 5, failures: 2, errors: 0 });
    expect(parsed.testsuite.map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped])).toEqual([
      ['shop', 4, 1, 0, 1],
      ['payments', 1, 1, 0, 0],
    ]);
    const [checkout, cart, search] = parsed.testsuite[0].testcase;
    expect(checkout).toMatchObject({ name: '/checkout p99', classname: 'shop.tail_latency' });
    expect(checkout.failure?.[0]).toMatchObject({ type: 'regression', message: '/checkout p99 regression' });
    // The figures in words in the failure body, for consumers that show only the text.
    expect(checkout.failure?.[0].inner).toContain('p99: 600 → 800 ms (+33.3 %; CI +20 % to +40 %; q = 4.0e-9; n = 50,000 / 51,000)');
    expect(cart.skipped?.[0].message).toMatch(/^Insufficient data: 12 requests/);
    expect(cart.failure).toBeUndefined();
    expect(search.failure).toBeUndefined();
    expect(search.skipped).toBeUndefined();
  });

  it('python3-junitparser reads the same outcomes and the suite properties', () => {
    const suites = junitparser(write('parser.xml', renderJunit(report)));
    expect(suites.map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped])).toEqual([
      ['shop', 4, 1, 0, 1],
      ['payments', 1, 1, 0, 0],
    ]);
    expect(suites[0].props).toMatchObject({ verdict: 'fail', reportVerdict: 'fail', failOn: 'fail', upgradeAt: report.upgradeAt, afterStop: report.windows.after.stop });
    expect(suites[0].cases.map((c) => c.result.map((r) => `${r.tag}:${r.type ?? ''}`).join())).toEqual(['Failure:regression', 'Skipped:', '', '']);
    expect(suites[1].cases[0]).toMatchObject({ name: 'card-api retries_per_call', classname: 'payments.retry_rate' });
  });

  it('carries the figures as per-case properties (raw numbers, an open interval end as Infinity)', () => {
    const file = write('props.xml', renderJunit(report));
    const prop = (suite: string, n: number, name: string) =>
      run('xmllint', ['--xpath', `string(//testsuite[@name="${suite}"]/testcase[${n}]/properties/property[@name="${name}"]/@value)`, file]).stdout;
    expect(['before', 'after', 'relativeChange', 'ciLow', 'ciHigh', 'qValue', 'nBefore', 'status', 'unit'].map((p) => prop('shop', 1, p))).toEqual(['600', '800', '0.333', '0.2', '0.4', '4e-9', '50000', 'regression', 'ms']);
    expect(prop('payments', 1, 'ciHigh')).toBe('Infinity');
    // Unknown values are left out rather than written as "null".
    expect(run('xmllint', ['--xpath', 'count(//testsuite[@name="shop"]/testcase[2]/properties/property[@name="qValue"])', file]).stdout).toBe('0');
  });

  it('--fail-on warn: insufficient data becomes an error and a significant change within tolerance a failure', async () => {
    const strict = renderJunit(report, { failOn: 'warn' });
    const suites = junitparser(write('strict.xml', strict));
    expect(suites.map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped])).toEqual([
      ['shop', 4, 2, 1, 0],
      ['payments', 1, 1, 0, 0],
    ]);
    expect(suites[0].cases.map((c) => c.result.map((r) => `${r.tag}:${r.type ?? ''}`).join())).toEqual(['Failure:regression', 'Error:insufficient_data', 'Failure:significant_within_tolerance', '']);
    expect(await parse(strict)).toMatchObject({ tests: 5, failures: 3, errors: 1 });
  });

  it('a passing report is all passes; a report without findings still has one suite', async () => {
    const pass = junitparser(write('pass.xml', renderJunit(makeReport('pass', [finding('shop', '/checkout', 'no_change')]))));
    expect(pass).toMatchObject([{ name: 'shop', tests: 1, failures: 0, errors: 0, skipped: 0, cases: [{ result: [] }] }]);
    const empty = await parse(renderJunit(makeReport('pass', [])));
    expect(empty).toMatchObject({ tests: 0, testsuite: [{ name: 'aftershock', tests: 0 }] });
  });
});
