/**
 * UnleashAdminActions + ActionService against the real Unleash server (test/setup/unleash.global.ts) and a
 * real embedded store: dry run, apply, idempotence, bounds, revert and its conflict, wrong token, Unleash
 * going down halfway through a two-step change, and the unconfigured (dry-run only) mode.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ActionService, UNCONFIGURED_MESSAGE } from '../../src/actions/action-service.ts';
import { PgAuditLog } from '../../src/store/pg/pg-audit-log.ts';
import { PgLocks } from '../../src/store/pg/pg-locks.ts';
import { DEFAULT_BACKOFF_BOUNDS, type BackoffConstants } from '../../src/actions/backoff-constants.ts';
import { UnleashAdminActions } from '../../src/actions/unleash/unleash-admin-actions.ts';
import { AppError } from '../../src/errors.ts';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgliteClient } from '../../src/store/pg/pglite-client.ts';
import { PostgresClient } from '../../src/store/pg/postgres-client.ts';
import { createTestDatabase } from '../store/pg-test-database.ts';
import { CuttableProxy } from './support/cuttable-proxy.ts';
import { admin, SEED_CONSTANTS, seedFlag, TEST_ENVIRONMENT, TEST_VARIANT } from './support/unleash-seed.ts';

const url = inject('unleashUrl');
const token = inject('unleashAdminToken');
let sql: PgliteClient;
let audit: PgAuditLog;

beforeAll(async () => {
  sql = await PgliteClient.open('memory://');
  await migrate(sql);
  audit = new PgAuditLog(sql);
});
afterAll(async () => {
  await sql.close();
});

function unleashFor(flag: string, base = url, tok = token, extra: { clientToken?: string } = {}): UnleashAdminActions {
  return new UnleashAdminActions({
    ...extra,
    url: base,
    token: tok,
    project: 'default',
    environment: TEST_ENVIRONMENT,
    flag,
    variant: TEST_VARIANT,
    bounds: DEFAULT_BACKOFF_BOUNDS,
    timeoutMs: 2000,
    retries: 2,
    retryBaseMs: 50,
  });
}

function serviceFor(flags: UnleashAdminActions): ActionService {
  return new ActionService({ flags, audit, ref: flags.ref, bounds: DEFAULT_BACKOFF_BOUNDS, dryRunDefault: true });
}

async function expectAppError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  expect((e as AppError).message).toMatch(pattern);
  return e as AppError;
}

const who = { actor: 'test:sre', reason: 'p99 regression on /checkout', analysisId: 'an_test' };
const TUNED: BackoffConstants = { baseMs: 50, maxMs: 2000, multiplier: 2, jitter: 0.5, maxAttempts: 3 };

describe('ActionService over a real Unleash', () => {
  it('dry run by default returns the exact diff and changes nothing; applying changes Unleash; the same change again is a no-op', async () => {
    const flag = await seedFlag(url, token);
    const proxy = new CuttableProxy(url);
    await proxy.start();
    const flags = unleashFor(flag, proxy.url, token, { clientToken: inject('unleashBackendToken') });
    const service = serviceFor(flags);

    const dry = await service.tune({ baseMs: 50, maxMs: 2000 }, who);
    expect(dry.status).toBe('dry_run');
    expect(dry.diff).toEqual([
      { field: 'constants.baseMs', from: 200, to: 50 },
      { field: 'constants.maxMs', from: 8000, to: 2000 },
    ]);
    expect(proxy.writes()).toEqual([]);
    expect((await flags.readState()).constants).toEqual(SEED_CONSTANTS);

    const applied = await service.tune({ baseMs: 50, maxMs: 2000 }, { ...who, dryRun: false });
    expect(applied.status).toBe('applied');
    expect(applied.before).toEqual({ enabled: true, constants: SEED_CONSTANTS });
    expect(applied.after).toEqual({ enabled: true, constants: { ...SEED_CONSTANTS, baseMs: 50, maxMs: 2000 } });
    expect(applied).toMatchObject({ actor: 'test:sre', reason: who.reason, analysisId: 'an_test', flag, environment: TEST_ENVIRONMENT });
    const state = await flags.readState();
    expect(state.constants).toEqual({ ...SEED_CONSTANTS, baseMs: 50, maxMs: 2000 });
    expect(proxy.writes()).toHaveLength(1);
    // checked through the client API, the way SDKs read it
    expect(applied.message).toMatch(/^applied constants\.baseMs: 200 → 50; constants\.maxMs: 8000 → 2000; served to SDK clients after \d+\.\d s/);
    expect(proxy.seen.some((r) => r.path === `/api/client/features/${flag}`)).toBe(true);

    const again = await service.tune({ baseMs: 50, maxMs: 2000 }, { ...who, dryRun: false });
    expect(again.status).toBe('noop');
    expect(proxy.writes()).toHaveLength(1);
    await proxy.cut();
  });

  it('refuses constants outside the bounds, naming field and bound, and records the refusal', async () => {
    const flag = await seedFlag(url, token);
    const flags = unleashFor(flag);
    const service = serviceFor(flags);
    const e = await expectAppError(service.tune({ baseMs: 5000, multiplier: 0.5 }, { ...who, dryRun: false }), 'OUT_OF_BOUNDS', /baseMs=5000 is above the maximum 2000/);
    expect(e.message).toMatch(/multiplier=0.5 is below the minimum 1/);
    await expectAppError(service.tune({ maxMs: 100 }, { ...who, dryRun: false }), 'OUT_OF_BOUNDS', /maxMs=100 is below baseMs=200/);
    // the client itself refuses too, whoever calls it
    await expectAppError(flags.setBackoffConstants({ ...SEED_CONSTANTS, maxAttempts: 11 }), 'OUT_OF_BOUNDS', /maxAttempts=11 is above the maximum 10/);
    expect((await flags.readState()).constants).toEqual(SEED_CONSTANTS);
    const refused = (await audit.list({ flag, status: 'refused' })).items;
    expect(refused).toHaveLength(2);
    expect(refused[1].error).toMatch(/baseMs=5000/);
  });

  it('kill switch, then revert restores exactly the prior state; revert refuses with CONFLICT when the flag changed since', async () => {
    const flag = await seedFlag(url, token);
    const flags = unleashFor(flag);
    const service = serviceFor(flags);
    const tune = await service.tune(TUNED, { ...who, dryRun: false });
    const kill = await service.killSwitch({ ...who, dryRun: false });
    expect(kill.diff).toEqual([{ field: 'enabled', from: true, to: false }]);
    expect((await flags.readState()).enabled).toBe(false);

    const revertKill = await service.revert(kill.id, { ...who, dryRun: false });
    expect(revertKill.status).toBe('applied');
    expect(revertKill.revertsId).toBe(kill.id);
    expect(await flags.readState()).toMatchObject({ enabled: true, constants: TUNED });
    await expectAppError(service.revert(kill.id, { ...who, dryRun: false }), 'CONFLICT', new RegExp(`already reverted by action ${revertKill.id}`));

    // someone edits the flag by hand: reverting the tune would overwrite that edit
    await admin(url, token, 'POST', `/api/admin/projects/default/features/${flag}/environments/${TEST_ENVIRONMENT}/off`);
    await expectAppError(service.revert(tune.id, { ...who, dryRun: false }), 'CONFLICT', /changed since action .*enabled: true → false/);
    expect(await flags.readState()).toMatchObject({ enabled: false, constants: TUNED });

    await admin(url, token, 'POST', `/api/admin/projects/default/features/${flag}/environments/${TEST_ENVIRONMENT}/on`);
    const revertTune = await service.revert(tune.id, { ...who, dryRun: false });
    expect(revertTune.diff.map((d) => d.field)).toEqual(['constants.baseMs', 'constants.maxMs', 'constants.multiplier', 'constants.jitter', 'constants.maxAttempts']);
    expect(await flags.readState()).toMatchObject({ enabled: true, constants: SEED_CONSTANTS });
    expect((await audit.get(tune.id))?.revertedById).toBe(revertTune.id);
  });

  it('a wrong token is a clear UNAUTHORIZED error that does not echo the token', async () => {
    const flag = await seedFlag(url, token);
    const e = await expectAppError(unleashFor(flag, url, '*:*.not-the-secret').readState(), 'UNAUTHORIZED', /rejected the admin token \(401/);
    expect(e.message).not.toContain('not-the-secret');
  });

  it('an unknown flag is NOT_FOUND naming flag and project', async () => {
    await expectAppError(unleashFor('no.such.flag').readState(), 'NOT_FOUND', /flag "no.such.flag" does not exist in Unleash project "default"/);
  });

  it('Unleash going down after the first of two steps: the first step is undone, nothing is left half-applied', async () => {
    const flag = await seedFlag(url, token, { enabled: false });
    const proxy = new CuttableProxy(url);
    await proxy.start();
    const flags = unleashFor(flag, proxy.url);
    const service = serviceFor(flags);
    // "set the constants and switch the new strategy back on": the PUT gets through, every /on is lost
    proxy.dropWhen = (method, path) => method === 'POST' && path.endsWith('/on');
    const e = await expectAppError(service.tune(TUNED, { ...who, dryRun: false, enable: true }), 'UPSTREAM', /switch on failed: .*unreachable.*undid set constants; Unleash shows the state from before, nothing was left half-applied/);
    expect(e.message).toMatch(/3 tries/);
    const puts = proxy.writes().filter((w) => w.method === 'PUT');
    expect(puts).toHaveLength(2); // the change and its undo
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: SEED_CONSTANTS });
    const failed = (await audit.list({ flag, status: 'failed' })).items[0];
    expect(failed.after).toEqual({ enabled: false, constants: SEED_CONSTANTS });

    // down for good right after the PUT lands (its verification read is lost): the undo cannot reach
    // Unleash either, and the error says so instead of claiming a clean state
    let putSeen = false;
    proxy.dropWhen = (method) => {
      if (putSeen) return true;
      if (method === 'PUT') putSeen = true;
      return false;
    };
    const stuck = await expectAppError(service.tune(TUNED, { ...who, dryRun: false, enable: true }), 'UPSTREAM', /set constants failed \(.*unreachable.*\) and undoing failed too \(.*\); the flag may be half-changed — check it with `aftershock flag show`/);
    expect(typeof stuck.details?.actionId).toBe('number');
    const stuckRecord = (await audit.get(stuck.details!.actionId as number))!;
    expect(stuckRecord).toMatchObject({ status: 'failed', after: null });
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: TUNED });
    await unleashFor(flag).setBackoffConstants(SEED_CONSTANTS);

    // down entirely before anything is sent: nothing changes, a clear error
    proxy.dropWhen = null;
    await proxy.cut();
    const down = await expectAppError(service.killSwitch({ ...who, dryRun: false }), 'UPSTREAM', /unreachable/);
    expect(await audit.get(down.details!.actionId as number)).toMatchObject({ kind: 'kill_switch', status: 'failed', before: null, message: expect.stringMatching(/^could not read the flag, nothing was sent/) });
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: SEED_CONSTANTS });
  });

  it('with no Unleash configured, actions are dry runs and say so', async () => {
    const service = new ActionService({ flags: null, audit, ref: { project: 'default', environment: 'production', flag: 'dten.backoff.v2' }, bounds: DEFAULT_BACKOFF_BOUNDS, dryRunDefault: true });
    const rec = await service.tune(TUNED, { ...who, dryRun: false });
    expect(rec.status).toBe('dry_run');
    expect(rec.mode).toBe('unconfigured');
    expect(rec.message).toContain(UNCONFIGURED_MESSAGE);
    expect(rec.message).toContain('constants: null →');
    await expectAppError(service.readState(), 'BAD_INPUT', /Unleash is not configured/);
  });
});

describe('actions from two processes on one flag (real PostgreSQL)', () => {
  it('are serialised by the flag lock: each record’s before is the previous one’s after', async () => {
    const db = await createTestDatabase(inject('postgresAdminUrl'), 'aftershock_actions');
    const clients = [new PostgresClient(db.url), new PostgresClient(db.url)];
    try {
      await migrate(clients[0]);
      const flag = await seedFlag(url, token);
      const services = clients.map(
        (sql) => new ActionService({ flags: unleashFor(flag), audit: new PgAuditLog(sql), ref: unleashFor(flag).ref, bounds: DEFAULT_BACKOFF_BOUNDS, dryRunDefault: true, locks: new PgLocks(sql) }),
      );
      const [a, b] = await Promise.all([
        services[0].tune({ baseMs: 100 }, { ...who, dryRun: false }),
        services[1].tune({ baseMs: 150 }, { ...who, dryRun: false }),
      ]);
      const [first, second] = [a, b].sort((x, y) => x.id - y.id);
      expect(first.before!.constants!.baseMs).toBe(200);
      // Without the lock both read the seeded state and both records claim it as `before` (checked by hand).
      expect(second.before).toEqual(first.after);
      expect((await unleashFor(flag).readState()).constants).toEqual(second.after!.constants);
    } finally {
      for (const c of clients) await c.close();
      await db.drop();
    }
  });
});
