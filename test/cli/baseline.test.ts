/**
 * `--baseline` on the command line (issue 11), end to end through the real launcher: line-protocol file → source
 * (cohort tag read from each line) → WindowBuilder → analysis → JSON report with its `baseline` entry.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/stats/seeded-random.ts';

const BIN = path.resolve(__dirname, '../../bin/aftershock.js');
const UPGRADE = '2026-11-20T14:00:00Z';
const T0 = Date.parse(UPGRADE);
const H = 3_600_000;
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-baseline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Before the upgrade the morning ramp (40 ms median), after it the peak (+25 % for everybody, flag or not); 10 %
 * of the after window's requests are flag-on (`variant=backoff-v2`), the rest `variant=disabled`. With
 * `treatmentFactor` > 1 the flag-on requests are that much slower on top.
 */
function rolloutFile(name: string, treatmentFactor: number): string {
  const r = seededRandom(4242);
  const lines: string[] = [];
  const n = 30_000;
  for (let i = 0; i < n; i++) {
    const t = T0 - 2 * H + Math.floor((i / n) * 4 * H);
    const after = t >= T0;
    const flagOn = after && r.uniform() < 0.1;
    const v = r.lognormal(Math.log(40), 0.4) * (after ? 1.25 : 1) * (flagOn ? treatmentFactor : 1);
    lines.push(`http_request,service=shop,endpoint=/cart,variant=${flagOn ? 'backoff-v2' : 'disabled'} duration_ms=${v.toFixed(3)} ${t}000000`);
  }
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('aftershock analyze --baseline cohort (line-protocol file)', () => {
  const noChange = rolloutFile('rollout-no-change.lp', 1);
  const regressed = rolloutFile('rollout-regressed.lp', 1.3);
  const common = ['analyze', '--upgrade-at', UPGRADE, '--before', '2h', '--after', '2h'];

  it('before/after is confounded by the load: the peak after the upgrade fails a no-change rollout', () => {
    const r = run([...common, '--source', noChange]);
    expect(r.stderr).not.toMatch(/error/i);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('fail');
    expect(report.baseline).toEqual({ kind: 'before', window: { start: '2026-11-20T12:00:00.000Z', stop: '2026-11-20T14:00:00.000Z' } });
  });

  it('the flag-off cohort of the same window is a concurrent control: no change passes', () => {
    const r = run([...common, '--source', noChange, '--baseline', 'cohort']);
    const report = JSON.parse(r.stdout);
    expect(r.code, r.stderr).toBe(0);
    expect(report.verdict).not.toBe('fail');
    expect(report.baseline).toMatchObject({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['backoff-v2'], window: { start: '2026-11-20T14:00:00.000Z', stop: '2026-11-20T16:00:00.000Z' }, untagged: 0 });
    expect(report.baseline.controlPoints + report.baseline.treatmentPoints).toBe(15_000);
    expect(report.baseline.treatmentPoints).toBeGreaterThan(1200);
    expect(report.baseline.treatmentPoints).toBeLessThan(1800);
  });

  it('a real regression of the flag-on requests (+30 %) fails, on the flag-on cohort', () => {
    const r = run([...common, '--source', regressed, '--baseline', 'cohort', '--cohort-tag', 'variant', '--control', 'disabled']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const p50 = report.findings.find((f: { statistic: string }) => f.statistic === 'p50');
    expect(p50.status).toBe('regression');
    expect(p50.relativeChange).toBeGreaterThan(0.2);
    expect(p50.nBefore + p50.nAfter).toBe(15_000);
  });

  it('a control value that no point carries leaves nothing to compare: bad input names it', () => {
    const r = run([...common, '--source', noChange, '--baseline', 'cohort', '--control', 'off']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no point in the after window has variant=off \(the control\); values seen: backoff-v2, disabled/);
  });

  it('usage errors: an unknown baseline, seasonal flags with a cohort baseline', () => {
    expect(run([...common, '--source', noChange, '--baseline', 'yesterday']).stderr).toMatch(/--baseline must be one of before, seasonal, cohort/);
    const r = run([...common, '--source', noChange, '--baseline', 'cohort', '--periods', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--period\/--periods\/--variance-periods \(seasonal only\)/);
    const v = run([...common, '--source', noChange, '--baseline', 'cohort', '--period-variance', 'auto']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/--period-variance \(seasonal only\)/);
    const w = run([...common, '--source', noChange, '--baseline', 'seasonal', '--period-variance', 'within']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--period-variance must be one of between, auto \(got "within"\)/);
  });
});
