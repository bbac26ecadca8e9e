/**
 * Issue 14 items 2 and 3 through the real launcher (bin/aftershock.js as a process): an upgrade time in the future
 * is refused unless --allow-future; an after window reaching past now is cut there and said so; and a source that
 * trickles one byte every 0.5 s (a real HTTP server, under any idle timeout) is stopped by the total deadline with
 * exit 2 and a message naming what timed out and after how long.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { serve, trickle, type TestServer } from '../net/net-test-server.ts';

const BIN = path.resolve(__dirname, '../../bin/aftershock.js');
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-limits-'));
const MIN = 60_000;

/** Runs the CLI without blocking this process's event loop (the drip server lives here). */
function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Steady telemetry, the same distribution throughout, one request every 2 s in [from, to). */
function file(name: string, from: number, to: number): string {
  const r = seededRandom(11);
  const lines: string[] = [];
  for (let t = from; t < to; t += 2000) lines.push(`http_request,service=shop,endpoint=/cart duration_ms=${r.lognormal(Math.log(40), 0.3).toFixed(3)} ${t}000000`);
  const p = path.join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

let drip: TestServer;
beforeAll(async () => {
  // A real server that answers 200 and then sends one byte every 0.5 s, forever (under any idle timeout).
  drip = await serve((_req, res) => trickle(res, 500));
});
afterAll(async () => {
  await drip.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('upgrade times and the clock (issue 14 item 2)', () => {
  it('refuses an upgrade time in the future with exit 2 naming the field; --allow-future accepts it', async () => {
    const upgrade = Math.floor(Date.now() / MIN) * MIN + 60 * MIN;
    const lp = file('future.lp', upgrade - 60 * MIN, upgrade + 60 * MIN);
    const at = new Date(upgrade).toISOString();
    const refused = await run(['analyze', '--source', lp, '--upgrade-at', at, '--before', '1h', '--after', '1h']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^aftershock: error: upgradeAt: ${at.replace(/\./g, '\\.')} is in the future \\(now is .*\\); .*Pass --allow-future`, 'm'));
    expect(refused.stdout).toBe('');
    const allowed = await run(['analyze', '--source', lp, '--upgrade-at', at, '--before', '1h', '--after', '1h', '--allow-future']);
    expect(allowed.code).toBe(0);
    const report = JSON.parse(allowed.stdout);
    expect(report.windows.after.stop).toBe(new Date(upgrade + 60 * MIN).toISOString());
    expect(report.windowCoverage.after).toMatchObject({ partlyEmpty: false });
    expect(report.windowCoverage.after.notElapsedMs).toBeUndefined();
  }, 120_000);

  it('a gate run 30 min after the upgrade with --after 2h analyses the elapsed 30 min, says so, and warns', async () => {
    const now = Date.now();
    const upgrade = now - 30 * MIN;
    // Data until now (nothing exists later); the same distribution before and after.
    const lp = file('early-gate.lp', upgrade - 2 * 60 * MIN, now);
    const r = await run(['analyze', '--source', lp, '--upgrade-at', new Date(upgrade).toISOString(), '--after', '2h']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const stop = Date.parse(report.windows.after.stop);
    // Cut at the time of the analysis, which ran a few seconds after `now`.
    expect(stop).toBeGreaterThanOrEqual(now);
    expect(stop).toBeLessThan(now + 60_000);
    expect(report.windowCoverage.after.requestedStop).toBe(new Date(upgrade + 2 * 60 * MIN).toISOString());
    expect(report.windowCoverage.after.notElapsedMs).toBe(upgrade + 2 * 60 * MIN - stop);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^after window: asked to run until .*, but only 30 min( \d+ s)? had elapsed when the analysis ran; the 1 h 29 min still in the future were not analysed/));
    expect(r.stderr).toContain('aftershock: warning: after window: asked to run until');
    expect(report.verdict).toBe('warn');
  }, 120_000);

  it('a file that ends early: the after window is partly empty, the JSON says how much, the verdict is warn', async () => {
    const upgrade = Date.parse('2026-11-20T14:00:00Z');
    const lp = file('ends-early.lp', upgrade - 2 * 60 * MIN, upgrade + 30 * MIN);
    const r = await run(['analyze', '--source', lp, '--upgrade-at', '2026-11-20T14:00:00Z', '--after', '2h']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.windowCoverage.after).toMatchObject({ partlyEmpty: true, missingMs: 90 * MIN, missingShare: 0.75, lastData: '2026-11-20T14:30:00.000Z' });
    expect(report.verdict).toBe('warn');
    expect(r.stderr).toContain('aftershock: warning: after window is partly empty: no data for 1 h 30 min of its 2 h (75 % missing)');
  }, 120_000);
});

describe('total deadlines against a source trickling one byte every 0.5 s (issue 14 item 3)', () => {
  const source = () => `influx1+${drip.url}/telemetry`;
  const args = () => ['analyze', '--source', source(), '--upgrade-at', '2026-11-20T14:00:00Z'];

  it('--deadline ends the whole analysis: exit 2 naming the analysis, the limit and what it was doing', async () => {
    const r = await run([...args(), '--deadline', '3s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aftershock: error: analysis of influx1 http:\/\/127\.0\.0\.1:\d+ db=telemetry: not done within the deadline of 3 s \(--deadline \/ deadline\); it was reading the windows from influx1 http:\/\/127\.0\.0\.1:\d+ db=telemetry$/m);
    expect(r.ms).toBeLessThan(20_000);
    expect(drip.hits.length).toBeGreaterThan(0);
  }, 60_000);

  it('--fetch-deadline ends the read of the windows', async () => {
    const r = await run([...args(), '--fetch-deadline', '2s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aftershock: error: influx1 http:\/\/127\.0\.0\.1:\d+ db=telemetry: reading the windows: not done within the deadline of 2 s \(--fetch-deadline \/ fetchDeadline\)/m);
    expect(r.ms).toBeLessThan(20_000);
  }, 60_000);

  it('the InfluxDB 2.x source is stopped the same way', async () => {
    const r = await run(['analyze', '--source', `influx2+${drip.url}/telemetry?org=acme`, '--upgrade-at', '2026-11-20T14:00:00Z', '--fetch-deadline', '2s'], {
      ...process.env,
      INFLUX_TOKEN: 'test-token',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aftershock: error: influx2 http:\/\/127\.0\.0\.1:\d+ org=acme bucket=telemetry: reading the windows: not done within the deadline of 2 s/m);
    expect(r.ms).toBeLessThan(20_000);
  }, 60_000);

  it('a pipe on standard input trickling a byte every 0.5 s is stopped by the fetch deadline', async () => {
    const started = Date.now();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'analyze', '--source', '-', '--upgrade-at', '2026-11-20T14:00:00Z', '--fetch-deadline', '2s'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdin.on('error', () => undefined);
      const drip = setInterval(() => child.stdin.write('h'), 500);
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearInterval(drip);
        clearTimeout(killer);
        resolve({ code, stderr });
      });
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aftershock: error: --source -: reading standard input: not done within the deadline of 2 s \(--fetch-deadline \/ fetchDeadline\)$/m);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('the config deadline (deadlines.fetchMs) applies without a flag', async () => {
    const config = path.join(dir, 'deadlines.yaml');
    writeFileSync(config, 'deadlines:\n  fetchMs: 2000\n');
    const r = await run([...args(), '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reading the windows: not done within the deadline of 2 s \(deadlines\.fetchMs\)/);
    expect(r.ms).toBeLessThan(20_000);
  }, 60_000);
});
