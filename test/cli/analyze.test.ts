/**
 * The CLI contract pipelines rely on: stdout carries the report, stderr the messages, and the exit code is
 * 0 for pass/warn, 1 for fail, 2 for bad input or usage. Runs the real launcher (bin/aftershock.js) as a process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { seededRandom } from '../../src/stats/seeded-random.ts';

const BIN = path.resolve(__dirname, '../../bin/aftershock.js');
const UPGRADE = '2026-11-20T14:00:00Z';
const T0 = Date.parse(UPGRADE);
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A line-protocol file with no change across the upgrade: same distributions before and after. */
function noChangeFile(): string {
  const r = seededRandom(77);
  const lines: string[] = ['# no-change telemetry', ''];
  for (let i = 0; i < 6000; i++) {
    const t = T0 - 3_600_000 + Math.floor((i / 6000) * 7_200_000);
    lines.push(`http_request,service=shop,endpoint=/cart duration_ms=${r.lognormal(Math.log(40), 0.4).toFixed(3)} ${t}000000`);
    const attempts = r.uniform() < 0.03 ? 2 : 1;
    lines.push(`upstream_call,service=shop,upstream=inventory-api attempts=${attempts}i,backoff_ms=${attempts > 1 ? (r.uniform() * 100).toFixed(1) : 0},ok=true ${t}000000`);
  }
  const file = path.join(dir, 'no-change.lp');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Without any Unleash settings from the environment: the live constants are unknown. */
function runWithoutUnleash(args: string[]) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('UNLEASH_')) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aftershock analyze: the backoff recommendation in every format, without Unleash (issue 14)', () => {
  const demo = ['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--service', 'shop'];
  const DEFAULTS = '{"baseMs":100,"maxMs":5000,"multiplier":2,"jitter":0.2,"maxAttempts":3}';

  it('JSON: report.recommendation, computed against the stated default constants', () => {
    const r = runWithoutUnleash(demo);
    expect(r.code).toBe(1);
    const { recommendation } = JSON.parse(r.stdout);
    expect(recommendation).toMatchObject({ action: 'tune', service: 'shop', upstream: 'payments-api', currentSource: 'default', assumption: 'Unleash is not configured', current: JSON.parse(DEFAULTS) });
    expect(recommendation.constants.baseMs).toBeLessThan(100);
    expect(recommendation.rationale[0]).toBe(`Assuming the default constants ${DEFAULTS} (Unleash is not configured).`);
  });

  it('Markdown and HTML: a recommendation section stating the default constants', () => {
    const md = runWithoutUnleash([...demo, '--format', 'markdown']).stdout;
    expect(md).toContain('## Recommendation: tune the backoff constants');
    expect(md).toContain(`Computed against the default constants ${DEFAULTS}, because the flag's live constants are unknown (Unleash is not configured).`);
    const html = runWithoutUnleash([...demo, '--format', 'html']).stdout;
    expect(html).toContain('<h2 id="recommendation">Recommendation: tune the backoff constants</h2>');
    expect(html).toContain('Computed against the default constants {&quot;baseMs&quot;:100,&quot;maxMs&quot;:5000');
  });

  it('a report without a tail regression recommends nothing and shows no section', () => {
    const file = noChangeFile();
    const json = JSON.parse(runWithoutUnleash(['analyze', '--source', file, '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h']).stdout);
    expect(json.recommendation).toMatchObject({ action: 'none', constants: null });
    expect(runWithoutUnleash(['analyze', '--source', file, '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h', '--format', 'markdown']).stdout).not.toContain('Recommendation');
  });
});

describe('aftershock analyze (CLI)', () => {
  it('exits 1 with a fail verdict on the demo data and prints JSON on stdout', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE]);
    expect(r.stderr).toMatch(/Fail:/);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.verdict).toBe('fail');
    const p99 = report.findings.find((f: { subject: string; statistic: string }) => f.subject === '/checkout' && f.statistic === 'p99');
    expect(p99.status).toBe('regression');
    const others = report.findings.filter((f: { subject: string; status: string }) => f.status === 'regression' && !['/checkout', 'payments-api'].includes(f.subject));
    expect(others).toEqual([]);
  });

  it('exits 0 on unchanged telemetry from a line-protocol file', () => {
    const r = run(['analyze', '--source', noChangeFile(), '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h']);
    expect(r.code).toBe(0);
    expect(['pass', 'warn']).toContain(JSON.parse(r.stdout).verdict);
  });

  it('writes Markdown with the verdict first and a regressions table to --out', () => {
    const out = path.join(dir, 'report.md');
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--format', 'markdown', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const md = readFileSync(out, 'utf8');
    expect(md.split('\n')[0]).toBe('# aftershock: ❌ FAIL');
    expect(md).toMatch(/## Regressions \(\d+\)\n\n\| what \| service \| subject/);
    expect(md).toContain('`/checkout`');
  });

  it.each([
    [['analyze'], /--source is required/],
    [['analyze', '--source', 'demo'], /--upgrade-at is required/],
    [['analyze', '--source', 'demo', '--upgrade-at', 'yesterday'], /upgradeAt: "yesterday" is not an RFC 3339 time/],
    [['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--before', 'two hours'], /before: "two hours" is not a duration/],
    [['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--format', 'pdf'], /--format must be one of json, markdown, html/],
    [['analyze', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('exits 2 on bad usage %j', (args, message) => {
    const r = run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe('');
  });

  it('exits 2 naming the file when it does not exist', () => {
    const r = run(['analyze', '--source', path.join(dir, 'missing.lp'), '--upgrade-at', UPGRADE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.lp');
  });

  it('exits 2 on an empty file', () => {
    const file = path.join(dir, 'empty.lp');
    writeFileSync(file, '');
    const r = run(['analyze', '--source', file, '--upgrade-at', UPGRADE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/empty/i);
  });

  it('exits 2 naming line and field when too many lines are malformed', () => {
    const file = path.join(dir, 'bad.lp');
    const t = `${T0 - 60_000}000000`;
    writeFileSync(
      file,
      [
        `http_request,service=shop,endpoint=/cart duration_ms=12.5 ${t}`,
        `http_request,service=shop,endpoint=/cart duration_ms=abc ${t}`,
        `http_request,service=shop,endpoint=/cart duration_ms=1`, // no timestamp
        `http_request,service=shop,endpoint=/cart duration_ms=3 12x`,
        `http_request,service=shop,endpoint=/ca\\`, // truncated, bad escape
      ].join('\n'),
    );
    const r = run(['analyze', '--source', file, '--upgrade-at', UPGRADE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2/);
    expect(r.stderr).toMatch(/duration_ms/);
  });

  it('exits 2 with a clear message on an invalid config file', () => {
    const cfg = path.join(dir, 'bad.yaml');
    writeFileSync(cfg, 'analysis:\n  fdr: 2\n');
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: invalid value at "analysis\.fdr"/);
  });
});

describe('aftershock analyze (CLI): times and windows a person may type', () => {
  it('refuses a calendar date that does not exist instead of rolling it over (2026-02-30 would become March 2)', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', '2026-02-30T14:00:00Z']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/upgradeAt: "2026-02-30T14:00:00Z" is not a valid date/);
    expect(r.stdout).toBe('');
  });

  it('takes an upgrade time with a +05:30 offset as the same instant as in UTC', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', '2026-11-20T19:30:00+05:30']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).upgradeAt).toBe('2026-11-20T14:00:00.000Z');
  });

  it('exits 2 with a message, not an internal error, when a window reaches beyond representable dates', () => {
    const r = run(['analyze', '--source', noChangeFile(), '--upgrade-at', UPGRADE, '--before', '100000000w']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/before: "100000000w" reaches beyond the dates that can be represented/);
  });
});

describe('aftershock analyze (CLI): the HTML page on short windows', () => {
  it('renders the page when p99.9 intervals are open-ended (1 h windows); the process used to die in V8 building infinite axis ticks', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h', '--format', 'html']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<!doctype html>/i);
    expect(r.stdout).toContain('</html>');
  });
});

describe('aftershock analyze (CLI): --out', () => {
  it('exits 2 naming the path, not with an internal error, when --out cannot be written', () => {
    const out = path.join(dir, 'no-such-dir', 'report.json');
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toContain(`--out ${out}: cannot write: no such directory`);
  });
});

describe('aftershock analyze (CLI): nothing to compare', () => {
  it('exits 2 when the filters leave no series at all, instead of "Pass: no regression among 0 findings"', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--service', 'no-such-service']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no telemetry .*services no-such-service/);
  });
});
