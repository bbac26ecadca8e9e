/**
 * `aftershock flag …` and `aftershock guard --once` as processes (bin/aftershock.js) against the real
 * Unleash server, with the audit log in an embedded store in a temp dir: dry run by default, --apply,
 * revert and its refusal, bounds, a wrong token, and one guard evaluation of the real demo data.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedFlag, TEST_ENVIRONMENT } from '../actions/support/unleash-seed.ts';

const BIN = path.resolve(__dirname, '../../bin/aftershock.js');
const url = inject('unleashUrl');
const adminToken = inject('unleashAdminToken');
const DEMO_NEW_STRATEGY = { baseMs: 400, maxMs: 8000, multiplier: 2, jitter: 0.5, maxAttempts: 4 };
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-flag-cli-'));
let flag: string;

beforeAll(async () => {
  flag = await seedFlag(url, adminToken, { constants: DEMO_NEW_STRATEGY });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NO_UNLEASH = { UNLEASH_URL: '', UNLEASH_ADMIN_TOKEN: '' };

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      UNLEASH_URL: url,
      UNLEASH_ADMIN_TOKEN: adminToken,
      UNLEASH_ENVIRONMENT: TEST_ENVIRONMENT,
      UNLEASH_FLAG: flag,
      AFTERSHOCK_DATA_DIR: path.join(dir, 'store'),
      ...env,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aftershock flag (CLI)', () => {
  it('show, tune (dry run, then --apply), revert, and the refusals', () => {
    const shown = run(['flag', 'show']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ flag, enabled: true, constants: DEMO_NEW_STRATEGY });

    const dry = run(['flag', 'tune', '--base-ms', '120', '--reason', 'p99 regression']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ status: 'dry_run', diff: [{ field: 'constants.baseMs', from: 400, to: 120 }] });
    expect(dry.stderr).toMatch(/rerun with --apply/);

    const applied = run(['flag', 'tune', '--base-ms', '120', '--reason', 'p99 regression', '--apply']);
    expect(applied.code).toBe(0);
    const action = JSON.parse(applied.stdout);
    expect(action).toMatchObject({ status: 'applied', actor: expect.stringMatching(/^cli:/), reason: 'p99 regression' });
    expect(applied.stderr).toMatch(new RegExp(`undo with \`aftershock flag revert ${action.id} --apply\``));
    expect(JSON.parse(run(['flag', 'show']).stdout).constants.baseMs).toBe(120);

    const outOfBounds = run(['flag', 'tune', '--jitter', '1.5', '--reason', 'x', '--apply']);
    expect(outOfBounds.code).toBe(2);
    expect(outOfBounds.stderr).toMatch(/jitter=1.5 is above the maximum 1/);

    const reverted = run(['flag', 'revert', String(action.id), '--apply']);
    expect(reverted.code).toBe(0);
    expect(JSON.parse(reverted.stdout)).toMatchObject({ status: 'applied', kind: 'revert', diff: [{ field: 'constants.baseMs', from: 120, to: 400 }] });
    const again = run(['flag', 'revert', String(action.id), '--apply']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already reverted/);

    const log = JSON.parse(run(['flag', 'log', '--limit', '10']).stdout);
    expect(log.items.map((r: { status: string }) => r.status)).toEqual(['refused', 'applied', 'refused', 'applied', 'dry_run']);
    // Nine CLI processes, each opening the embedded store: slow on a loaded 2-core machine.
  }, 240_000);

  it('needs a reason, and explains a wrong token', () => {
    const noReason = run(['flag', 'off', '--apply']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason is required/);
    const wrong = run(['flag', 'show'], { UNLEASH_ADMIN_TOKEN: '*:*.wrong-secret' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/Unleash rejected the admin token \(401/);
    expect(wrong.stderr).not.toContain('wrong-secret');
  });
});

describe('aftershock flag: exit statuses and messages found by the attack pass (issue 14)', () => {
  const store = { AFTERSHOCK_DATA_DIR: path.join(dir, 'store-issue-14') };
  const reportFile = path.join(dir, 'demo-report.json');

  it('--apply without Unleash is not a silent success: exit 3 and NOT APPLIED; without --apply a dry run exits 0', () => {
    const applied = run(['flag', 'off', '--apply', '--reason', 'p99 up'], { ...NO_UNLEASH, ...store });
    expect(applied.code).toBe(3);
    expect(JSON.parse(applied.stdout)).toMatchObject({ status: 'dry_run', mode: 'unconfigured' });
    expect(applied.stderr).toMatch(/NOT APPLIED: --apply was given, but Unleash is not configured .*nothing was changed/);
    const dry = run(['flag', 'off', '--reason', 'p99 up'], { ...NO_UNLEASH, ...store });
    expect(dry.code).toBe(0);
    expect(dry.stderr).not.toMatch(/NOT APPLIED/);
    expect(run(['flag', '--help']).stdout).toMatch(/3 +--apply was given but nothing was applied/);
  });

  it('shows the recommendation of a report without Unleash (against the stated default constants), and --apply exits 3', () => {
    const analyzed = run(['analyze', '--source', 'demo', '--upgrade-at', '2026-11-20T14:00:00Z', '--service', 'shop', '--out', reportFile], NO_UNLEASH);
    expect(analyzed.code).toBe(1);
    const dry = run(['flag', 'tune', '--report', reportFile, '--reason', 'p99 regression'], { ...NO_UNLEASH, ...store });
    expect(dry.code).toBe(0);
    const rec = JSON.parse(dry.stdout);
    expect(rec).toMatchObject({ status: 'dry_run', mode: 'unconfigured', target: { enabled: true, constants: { maxMs: 5000, multiplier: 2, jitter: 0.2, maxAttempts: 3 } } });
    expect(rec.target.constants.baseMs).toBeLessThan(100);
    expect(dry.stderr).toMatch(/Assuming the default constants \{"baseMs":100,"maxMs":5000,"multiplier":2,"jitter":0.2,"maxAttempts":3\} \(Unleash is not configured\)/);
    expect(dry.stderr).toMatch(/Propose baseMs 100 → \d+/);
    const applied = run(['flag', 'tune', '--report', reportFile, '--reason', 'p99 regression', '--apply'], { ...NO_UNLEASH, ...store });
    expect(applied.code).toBe(3);
    expect(applied.stderr).toMatch(/NOT APPLIED/);
  }, 120_000);

  it('says which constants are missing in its own option names, and takes numbers only as decimal numbers', () => {
    const partial = run(['flag', 'tune', '--base-ms', '50', '--reason', 'x'], { ...NO_UNLEASH, ...store });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/no value for --max-ms, --multiplier, --jitter, --max-attempts: Unleash is not configured/);
    expect(partial.stderr).not.toMatch(/undefined/);
    for (const [option, text] of [['--base-ms', '0x64'], ['--jitter', 'true'], ['--max-attempts', '']] as const) {
      const r = run(['flag', 'tune', option, text, '--reason', 'x'], { ...NO_UNLEASH, ...store });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${option}: "${text}" is not a decimal number`);
    }
  });

  it('flag off --apply switches off a flag whose live constants are outside the bounds', async () => {
    const wild = await seedFlag(url, adminToken, { constants: { ...DEMO_NEW_STRATEGY, maxAttempts: 50 } });
    const r = run(['flag', 'off', '--apply', '--reason', 'constants edited by hand, p99 up'], { UNLEASH_FLAG: wild, ...store });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'applied', diff: [{ field: 'enabled', from: true, to: false }] });
    expect(JSON.parse(run(['flag', 'show'], { UNLEASH_FLAG: wild }).stdout)).toMatchObject({ enabled: false, constants: { maxAttempts: 50 } });
  });
});

describe('aftershock guard --once (CLI)', () => {
  it('evaluates the real demo analysis, tunes, records, and exits 1 because the target is failing', { timeout: 120_000 }, () => {
    const guardFile = path.join(dir, 'guard.yaml');
    writeFileSync(
      guardFile,
      [
        'enabled: false',
        'dryRun: false',
        'interval: 1m',
        'targets:',
        '  - { name: shop, source: demo, services: [shop], upgradeAt: "2026-11-20T14:00:00Z", before: 2h, after: 2h }',
        'hysteresis: { consecutive: 1 }',
        'cooldown: 0',
        'maxActionsPerHour: 3',
        'steps:',
        '  tune: { enabled: true, when: [tail_latency], maxPerEpisode: 1, aim: 0.5 }',
        '  killSwitch: { enabled: true, when: [tail_latency, retry_rate] }',
        'lockKey: 424242',
      ].join('\n'),
    );
    const r = run(['guard', '--once', '--guard-file', guardFile]);
    expect(r.code).toBe(1);
    const [decision] = JSON.parse(r.stdout);
    expect(decision).toMatchObject({ target: 'shop', evaluation: 'failing', decision: 'acted', step: 'tune', verdict: 'fail', analysisId: expect.any(String) });
    expect(r.stderr).toMatch(/guard .* shop: failing, acted \(tune\)/);
    const shown = JSON.parse(run(['flag', 'show']).stdout);
    expect(shown.constants.baseMs).toBeLessThan(400);
  });
});
