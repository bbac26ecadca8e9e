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
