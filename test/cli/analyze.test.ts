/**
 * The CLI contract pipelines rely on: stdout carries the report, stderr the messages, and the exit code is
 * 0 for pass/warn, 1 for fail, 2 for bad input or usage. Runs the real launcher (bin/aftershock.js) as a process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { parse as parseJunit } from 'junit2json';
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
    // The HTML page is the one CLI format that draws charts: it still asks for the series and timelines (issue 12).
    expect(r.stdout).toContain('latency over time');
    expect(r.stdout).toContain('latency before and after the upgrade');
    expect(r.stdout).toContain('retries per call over time');
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

/** Too few requests and calls to judge anything: every finding is insufficient_data, so the verdict is warn. */
function tooLittleDataFile(): string {
  const lines: string[] = [];
  // 15 per window: fewer than even p50's 20, so nothing at all can be judged.
  for (let i = 0; i < 30; i++) {
    const t = T0 - 3_600_000 + Math.floor((i / 30) * 7_200_000);
    lines.push(`http_request,service=shop,endpoint=/cart duration_ms=${40 + (i % 7)} ${t}000000`);
  }
  const file = path.join(dir, 'too-little.lp');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('aftershock analyze (CLI): --fail-on and --format junit', () => {
  it('exits 0 on a warn verdict by default and 1 with --fail-on warn; --fail-on fail is the default', () => {
    const file = tooLittleDataFile();
    const base = ['analyze', '--source', file, '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h'];
    const lenient = run(base);
    expect(JSON.parse(lenient.stdout).verdict).toBe('warn');
    expect(lenient.code).toBe(0);
    expect(run([...base, '--fail-on', 'fail']).code).toBe(0);
    const strict = run([...base, '--fail-on', 'warn']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).verdict).toBe('warn');
  });

  it('exits 2 on an unknown --fail-on value, naming the choices', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--fail-on', 'maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fail-on must be one of warn, fail \(got "maybe"\)/);
    expect(r.stdout).toBe('');
  });

  it('--format junit prints JUnit XML a consumer reads: the demo regressions are failures, exit code 1', async () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--format', 'junit']);
    expect(r.code).toBe(1);
    expect(r.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const parsed = (await parseJunit(r.stdout)) as { tests: number; failures: number; testsuite: Array<{ testcase: Array<{ name: string; failure?: unknown[] }> }> };
    expect(parsed.failures).toBeGreaterThan(0);
    const cases = parsed.testsuite.flatMap((s) => s.testcase);
    expect(cases.length).toBe(parsed.tests);
    expect(cases.find((c) => c.name === '/checkout p99')?.failure).toHaveLength(1);
  });

  it('--format junit with --fail-on warn marks insufficient data as errors', async () => {
    const r = run(['analyze', '--source', tooLittleDataFile(), '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h', '--format', 'junit', '--fail-on', 'warn']);
    expect(r.code).toBe(1);
    const parsed = (await parseJunit(r.stdout)) as { tests: number; failures: number; errors: number };
    const json = JSON.parse(run(['analyze', '--source', tooLittleDataFile(), '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h']).stdout);
    const insufficient = json.findings.filter((f: { status: string }) => f.status === 'insufficient_data').length;
    expect(insufficient).toBeGreaterThan(0);
    expect(parsed).toMatchObject({ tests: json.findings.length, failures: 0, errors: insufficient });
  });
});

function runWithInput(args: string[], input: string | Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aftershock analyze (CLI): endpoint filters (issue 14, item 17)', () => {
  it('--endpoint /cart is decided by /cart: the payments-api retry regression is reported and warned about, not failing the gate', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--endpoint', '/cart']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.findings.filter((f: { kind: string; decidesVerdict?: boolean }) => f.kind !== 'tail_latency').every((f: { decidesVerdict?: boolean }) => f.decidesVerdict === false)).toBe(true);
    expect(r.stderr).toMatch(/warning: endpoint filter \(\/cart\): .* do not decide the verdict, because upstream calls carry no endpoint; regressions among them: shop payments-api/);
  });

  it('--endpoint that matches nothing exits 2 naming it, even next to one that matches', () => {
    for (const args of [['--endpoint', '/nope'], ['--endpoint', '/cart', '--endpoint', '/nope']]) {
      const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('endpoint filter "/nope" matches no requests');
    }
  });
});

describe('aftershock analyze (CLI): messages a new user reads (issue 14, item 19)', () => {
  it('a missing --config file says "no such file", not ENOENT', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--config', path.join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read config file ${path.join(dir, 'nope.yaml')}: no such file`);
    expect(r.stderr).not.toContain('ENOENT');
  });

  it('--before 0m says the window must be longer than zero, not that it is no duration', () => {
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--before', '0m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('before: "0m" must be longer than zero');
  });

  it('a misspelt top-level config section is refused naming it and the known sections', () => {
    const cfg = path.join(dir, 'typo.yaml');
    writeFileSync(cfg, 'analyis:\n  fdr: 0.01\n');
    const r = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/typo\.yaml: unknown top-level section "analyis"; known sections: .*analysis/);
  });

  it('the refusal of a file with too many malformed lines names the setting that allows more', () => {
    const file = path.join(dir, 'bad-share.lp');
    const t = `${T0 - 60_000}000000`;
    writeFileSync(file, [`http_request,service=shop,endpoint=/cart duration_ms=12.5 ${t}`, 'garbage line', 'more garbage'].join('\n'));
    const r = run(['analyze', '--source', file, '--upgrade-at', UPGRADE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/more than the allowed .*; to allow more malformed lines, raise input\.maxBadLineShare in the config/);
  });
});

describe('aftershock (CLI): inputs users expect (issue 14, item 20)', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = run([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`aftershock ${version}`);
    }
  });

  it('the top-level help lists every flag subcommand, on and log included', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/flag\s+show \| tune \| off \| on \| revert \| log/);
  });

  it('--source - reads line protocol from stdin, plain or gzip-compressed, and names it "<stdin>"', () => {
    const text = readFileSync(noChangeFile());
    for (const input of [text, gzipSync(text)]) {
      const r = runWithInput(['analyze', '--source', '-', '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h'], input);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).source).toBe('line-protocol file <stdin>');
    }
    const bad = runWithInput(['analyze', '--source', '-', '--upgrade-at', UPGRADE], 'not line protocol at all\nnope\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('<stdin>');
    expect(bad.stderr).not.toMatch(/aftershock-stdin-/);
    const empty = runWithInput(['analyze', '--source', '-', '--upgrade-at', UPGRADE], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/<stdin>.*empty/);
  });

  it('a line-protocol file with another extension is read by its content; other content is refused clearly', () => {
    const influx = path.join(dir, 'telemetry.influx');
    writeFileSync(influx, readFileSync(noChangeFile()));
    const noExt = path.join(dir, 'telemetry-export');
    writeFileSync(noExt, gzipSync(readFileSync(noChangeFile())));
    for (const file of [influx, noExt]) {
      const r = run(['analyze', '--source', file, '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h']);
      expect(r.code, `${file}: ${r.stderr}`).toBe(0);
    }
    const csv = path.join(dir, 'telemetry.csv');
    writeFileSync(csv, 'time,service,endpoint,duration_ms\n2026-11-20T13:00:00Z,shop,/cart,12.5\n');
    const r = run(['analyze', '--source', csv, '--upgrade-at', UPGRADE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/telemetry\.csv.* is not line protocol .*first line 1: "time,service,endpoint,duration_ms"/);
  });

  it('--precision reads a file whose timestamps are in seconds; it is refused for sources that are not line protocol', () => {
    const r0 = seededRandom(5);
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const t = Math.floor((T0 - 3_600_000 + (i / 4000) * 7_200_000) / 1000);
      lines.push(`http_request,service=shop,endpoint=/cart duration_ms=${r0.lognormal(Math.log(40), 0.4).toFixed(3)} ${t}`);
    }
    const file = path.join(dir, 'seconds.lp');
    writeFileSync(file, lines.join('\n') + '\n');
    const wrong = run(['analyze', '--source', file, '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h']);
    expect(wrong.code).toBe(2);
    const right = run(['analyze', '--source', file, '--upgrade-at', UPGRADE, '--before', '1h', '--after', '1h', '--precision', 's']);
    expect(right.code, right.stderr).toBe(0);
    expect(JSON.parse(right.stdout).findings[0].nBefore).toBeGreaterThan(1000);
    const demo = run(['analyze', '--source', 'demo', '--upgrade-at', UPGRADE, '--precision', 's']);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain('--precision applies to line-protocol input');
    const bogus = run(['analyze', '--source', file, '--upgrade-at', UPGRADE, '--precision', 'minutes']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('--precision must be one of ns, us, ms, s');
  });
});

describe('aftershock analyze (CLI): the series cap (issue 14 item 4)', () => {
  /** 30 endpoints with a few requests in each window. */
  function thirtyEndpointsFile(): string {
    const lines: string[] = [];
    for (let e = 0; e < 30; e++) {
      for (let i = 0; i < 4; i++) lines.push(`http_request,service=shop,endpoint=/e${e} duration_ms=${40 + i} ${T0 + (i % 2 ? 1 : -1) * (60_000 + e * 1000 + i)}000000`);
    }
    const file = path.join(dir, 'thirty-endpoints.lp');
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  }

  it('exits 2 naming the cap and how to raise it when the data have more series than --max-series', () => {
    const r = run(['analyze', '--source', thirtyEndpointsFile(), '--upgrade-at', UPGRADE, '--max-series', '20']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/more than 20 distinct series in the windows .*latency shop \/e\d+.*raise input\.maxSeries in the config or pass --max-series N/);
  });

  it('analyses the same data under a cap that fits, and refuses a cap that is not a positive whole number', () => {
    const ok = run(['analyze', '--source', thirtyEndpointsFile(), '--upgrade-at', UPGRADE, '--max-series', '30']);
    expect(ok.code).toBe(0);
    expect(new Set(JSON.parse(ok.stdout).findings.map((f: { subject: string }) => f.subject)).size).toBe(30);
    const bad = run(['analyze', '--source', thirtyEndpointsFile(), '--upgrade-at', UPGRADE, '--max-series', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-series must be a positive whole number of series \(got "0"\)/);
  });
});

describe('aftershock analyze (CLI): --out of a large report', () => {
  it('writes in chunks without splitting a surrogate pair at a chunk edge', async () => {
    const { writeOut } = await import('../../src/cli/analyze.ts');
    // An astral character (two UTF-16 units) straddling the 4 Mi-character chunk edge.
    const text = `${'a'.repeat((1 << 22) - 1)}🟢${'b'.repeat(10)}`;
    const out = path.join(dir, 'large.md');
    await writeOut(out, text);
    expect(readFileSync(out, 'utf8') === text).toBe(true);
  });

  it('writes every chunk of a report in pieces intact while the next is made (buffers are reused two chunks on)', async () => {
    const { writeOut } = await import('../../src/cli/analyze.ts');
    // ~30 MB in pieces of varied sizes and contents (ASCII, 2- and 3-byte characters, astral pairs): seven or more
    // 4 MiB buffers, so a buffer reused before its write finished would show as wrong bytes somewhere.
    const random = seededRandom(7);
    const alphabet = ['x', 'é', '€', '🟢', '\n', '"'];
    const pieces: string[] = [];
    let total = 0;
    for (let i = 0; total < 30_000_000; i++) {
      const size = Math.floor(random.uniform() * 200_000) + 1;
      const piece = `${i}:${alphabet[i % alphabet.length].repeat(size)};`;
      pieces.push(piece);
      total += piece.length;
    }
    const out = path.join(dir, 'pieces.json');
    await writeOut(out, pieces);
    expect(readFileSync(out, 'utf8') === pieces.join('')).toBe(true);
  });
});
