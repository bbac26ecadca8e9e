/**
 * Upgrades against the real Unleash server (test/setup/unleash.global.ts): flag expectations read through the
 * Admin API (enabled, strategy and payload keys present, a removed flag gone) as findings with pass/fail; the
 * rollback plan of applied actions — dry run first (audited, nothing changed), then applied newest first, the
 * upgrade marked rolled back; blocked when someone changed the flag since; and all or nothing when Unleash fails
 * halfway (the reverts before the failed step are undone).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { AppError } from '../../src/errors.ts';
import { openRuntime, type Runtime } from '../../src/runtime/open-runtime.ts';
import { PgStore } from '../../src/store/open-store.ts';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgliteClient } from '../../src/store/pg/pglite-client.ts';
import { CuttableProxy } from '../actions/support/cuttable-proxy.ts';
import { admin, SEED_CONSTANTS, seedFlag, TEST_ENVIRONMENT } from '../actions/support/unleash-seed.ts';

const url = inject('unleashUrl');
const token = inject('unleashAdminToken');
const AT = '2026-11-20T14:00:00Z';
let sql: PgliteClient;
const runtimes: Runtime[] = [];

beforeAll(async () => {
  sql = await PgliteClient.open('memory://');
  await migrate(sql);
});
afterAll(async () => {
  for (const rt of runtimes) await rt.close();
  await sql.close();
});

/** A runtime whose actions change `flag` (through `base`, e.g. a proxy), over this file's store. */
async function runtimeFor(flag: string, base = url): Promise<Runtime> {
  const config = loadConfig();
  (config.unleash as Record<string, unknown>).retryBaseMs = 20;
  const rt = await openRuntime({ config, env: { UNLEASH_URL: base, UNLEASH_ADMIN_TOKEN: token, UNLEASH_ENVIRONMENT: TEST_ENVIRONMENT, UNLEASH_FLAG: flag }, store: new PgStore(sql, 'memory') });
  runtimes.push(rt);
  return rt;
}

const who = (upgradeId: string) => ({ actor: 'test:sre', reason: 'p99 regression on /checkout', upgradeId, dryRun: false });

describe('upgrades with a real Unleash', () => {
  it('checks flag expectations through the Admin API: each a finding with pass or fail and the reason', { timeout: 90_000 }, async () => {
    const hybrid = await seedFlag(url, token, { prefix: 'dten.hybrid.enable' });
    const off = await seedFlag(url, token, { prefix: 'dten.other', enabled: false });
    const removed = `dten.legacy.${randomBytes(4).toString('hex')}`;
    const rt = await runtimeFor(hybrid);
    await rt.upgrades.create({
      name: `flags ${hybrid}`, upgradeAt: AT, services: ['shop'], flags: [hybrid],
      expectations: [
        { kind: 'flag', name: 'hybrid-on', flag: hybrid, strategy: 'flexibleRollout', payloadKeys: ['baseMs', 'maxAttempts'] },
        { kind: 'flag', name: 'other-on', flag: off },
        { kind: 'flag', name: 'legacy-gone', flag: removed, gone: true },
        { kind: 'flag', name: 'hybrid-gone', flag: hybrid, gone: true },
        { kind: 'flag', name: 'missing-key', flag: hybrid, payloadKeys: ['mode'] },
      ],
    }, { actor: 'test', remote: true });
    const { result } = await rt.upgrades.check(`flags ${hybrid}`, { owner: 'test', after: '1h' });
    const byName = Object.fromEntries(result.report.findings.filter((f) => f.kind === 'expectation').map((f) => [f.expectation!.name, f]));
    expect(Object.fromEntries(Object.entries(byName).map(([k, f]) => [k, f.expectation!.outcome]))).toEqual({ 'hybrid-on': 'pass', 'other-on': 'fail', 'legacy-gone': 'pass', 'hybrid-gone': 'fail', 'missing-key': 'fail' });
    expect(byName['other-on'].reason).toBe(`Expectation "other-on" failed: "${off}" is enabled in ${TEST_ENVIRONMENT} was expected, but it is disabled.`);
    expect(byName['hybrid-gone'].reason).toBe(`Expectation "hybrid-gone" failed: "${hybrid}" is removed was expected, but the flag still exists.`);
    expect(byName['missing-key'].reason).toMatch(/but variant "backoff-constants" lacks mode\.$/);
    expect(result.report.verdict).toBe('fail');
  });

  it('rolls back the applied actions newest first: dry run changes nothing, apply restores the flag, then nothing is left', { timeout: 60_000 }, async () => {
    const flag = await seedFlag(url, token);
    const rt = await runtimeFor(flag);
    const u = await rt.upgrades.create({ name: `rollback ${flag}`, upgradeAt: AT, services: ['shop'], flags: [flag] }, { actor: 'test', remote: true });
    const tune = await rt.actions.tune({ baseMs: 100 }, who(u.id));
    const kill = await rt.actions.killSwitch(who(u.id));
    expect([tune.status, kill.status]).toEqual(['applied', 'applied']);

    const plan = (await rt.upgrades.plan(u.id)).plan;
    expect(plan.steps.filter((s) => s.kind === 'revert').map((s) => [s.actionId, s.state])).toEqual([[kill.id, 'ready'], [tune.id, 'ready']]);
    expect(plan.checklist).toContain(`1. restore on, constants`);

    const dry = await rt.upgrades.rollback(u.id, { actor: 'test:sre', reason: 'drill' });
    expect(dry).toMatchObject({ dryRun: true, applied: false });
    expect(dry.actions.map((a) => [a.kind, a.status, a.revertsId])).toEqual([['revert', 'dry_run', kill.id]]);
    expect(await rt.actions.readState()).toMatchObject({ enabled: false, constants: { ...SEED_CONSTANTS, baseMs: 100 } });

    const done = await rt.upgrades.rollback(u.id, { actor: 'test:sre', reason: 'the new backoff is worse', dryRun: false });
    expect(done).toMatchObject({ dryRun: false, applied: true });
    expect(done.actions.map((a) => [a.status, a.revertsId])).toEqual([['applied', kill.id], ['applied', tune.id]]);
    expect(await rt.actions.readState()).toMatchObject({ enabled: true, constants: SEED_CONSTANTS });
    const view = await rt.upgrades.view(u.id);
    expect(view.status).toBe('rolled_back');
    expect(view.actions.filter((a) => a.kind === 'revert' && a.status === 'applied')).toHaveLength(2);
    expect((await rt.upgrades.rollback(u.id, { actor: 'test', reason: '' })).message).toMatch(/^nothing for aftershock to revert/);
  });

  it('is blocked when the flag changed since the last action, and says what changed', { timeout: 60_000 }, async () => {
    const flag = await seedFlag(url, token);
    const rt = await runtimeFor(flag);
    const u = await rt.upgrades.create({ name: `blocked ${flag}`, upgradeAt: AT, services: ['shop'] }, { actor: 'test', remote: true });
    await rt.actions.killSwitch(who(u.id));
    // Someone switches it back on by hand in Unleash.
    await admin(url, token, 'POST', `/api/admin/projects/default/features/${flag}/environments/${TEST_ENVIRONMENT}/on`);
    const dry = await rt.upgrades.rollback(u.id, { actor: 'test', reason: '' });
    expect(dry.message).toMatch(/^blocked: flag ".+" changed since action \d+ \(enabled: false → true\)/);
    const err = (await rt.upgrades.rollback(u.id, { actor: 'test', reason: '', dryRun: false }).then(() => null, (e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect(err.message).toMatch(/is blocked: flag/);
  });

  it('is all or nothing: when Unleash fails halfway, the reverts before the failed step are undone', { timeout: 120_000 }, async () => {
    const flag = await seedFlag(url, token);
    const proxy = new CuttableProxy(url);
    await proxy.start();
    const rt = await runtimeFor(flag, proxy.url);
    const u = await rt.upgrades.create({ name: `halfway ${flag}`, upgradeAt: AT, services: ['shop'] }, { actor: 'test', remote: true });
    const tune = await rt.actions.tune({ baseMs: 100 }, who(u.id));
    const kill = await rt.actions.killSwitch(who(u.id));
    // Step 1 (switch back on) goes through; step 2 (restore the constants: a PUT of the strategy) never arrives.
    proxy.dropWhen = (method, path) => method === 'PUT' && path.includes('/strategies/');
    const err = (await rt.upgrades.rollback(u.id, { actor: 'test:sre', reason: 'drill', dryRun: false }).then(() => null, (e: unknown) => e)) as AppError & { details: { applied: number[]; undone: number[] } };
    expect(err.message).toMatch(new RegExp(`^rollback of "halfway ${flag.replace(/\./g, '\\.')}": step 2 \\(revert of action ${tune.id}\\) failed: .*; undid the 1 revert\\(s\\) before it, so nothing was left half rolled back$`));
    expect(err.details.applied).toHaveLength(1);
    expect(err.details.undone).toHaveLength(1);
    proxy.dropWhen = null;
    // Back to the state before the rollback: off, with the tuned constants.
    expect(await rt.actions.readState()).toMatchObject({ enabled: false, constants: { ...SEED_CONSTANTS, baseMs: 100 } });
    expect((await rt.upgrades.view(u.id)).status).toBe('active');
    // Every step is in the audit log, linked to the upgrade.
    const kinds = (await rt.upgrades.view(u.id)).actions.map((a) => `${a.kind}:${a.status}`);
    expect(kinds.slice(0, 2)).toEqual(['backoff_constants:applied', 'kill_switch:applied']);
    expect(kinds).toContain('revert:failed');
    expect(kinds.filter((k) => k === 'revert:applied')).toHaveLength(2);
    // With Unleash reachable again the same plan runs through.
    const plan = (await rt.upgrades.plan(u.id)).plan;
    expect(plan.steps.filter((s) => s.kind === 'revert').map((s) => s.actionId)).toEqual([kill.id, tune.id]);
    await proxy.cut();
  });
});
