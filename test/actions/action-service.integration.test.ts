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
import { admin, rawPayload, SEED_CONSTANTS, seedFlag, TEST_ENVIRONMENT, TEST_VARIANT } from './support/unleash-seed.ts';

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

/** Live constants outside the configured bounds (maxAttempts maximum 10), as a hand edit in Unleash can leave them. */
const WILD: BackoffConstants = { ...SEED_CONSTANTS, maxAttempts: 50 };

describe('out-of-bounds states, lost answers and foreign payload fields (issue 14)', () => {
  it('the kill switch never depends on the constants it leaves behind (maxAttempts=50 is outside the bounds)', async () => {
    const flag = await seedFlag(url, token, { constants: WILD });
    const service = serviceFor(unleashFor(flag));
    const kill = await service.killSwitch({ ...who, dryRun: false });
    expect(kill).toMatchObject({ status: 'applied', diff: [{ field: 'enabled', from: true, to: false }] });
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: WILD });
    // Switching the strategy back on with those constants is a change the bounds are there to refuse …
    await expectAppError(service.enable({ ...who, dryRun: false }), 'OUT_OF_BOUNDS', /maxAttempts=50 is above the maximum 10/);
    // … but a revert restores the recorded state, in bounds or not.
    const back = await service.revert(kill.id, { ...who, dryRun: false });
    expect(back).toMatchObject({ status: 'applied', diff: [{ field: 'enabled', from: false, to: true }] });
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: true, constants: WILD });
  });

  it('undo and revert restore an earlier state that is itself outside the bounds', async () => {
    const flag = await seedFlag(url, token, { constants: WILD, enabled: false });
    const proxy = new CuttableProxy(url);
    await proxy.start();
    const service = serviceFor(unleashFor(flag, proxy.url));
    proxy.dropWhen = (method, path) => method === 'POST' && path.endsWith('/on');
    // Constants first, then on; "on" is lost, so the constants are put back — to maxAttempts=50.
    await expectAppError(service.tune(TUNED, { ...who, dryRun: false, enable: true }), 'UPSTREAM', /switch on failed: .*undid set constants; Unleash shows the state from before, nothing was left half-applied/);
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: WILD });
    proxy.dropWhen = null;
    const tuned = await service.tune(TUNED, { ...who, dryRun: false });
    expect(tuned).toMatchObject({ status: 'applied', before: { enabled: false, constants: WILD }, after: { enabled: false, constants: TUNED } });
    const reverted = await service.revert(tuned.id, { ...who, dryRun: false });
    expect(reverted).toMatchObject({ status: 'applied', after: { enabled: false, constants: WILD } });
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: WILD });
    await proxy.cut();
  });

  it('Unleash dying right after a PUT lands: the record says the state is unknown; revert re-reads it, records it and restores the state from before', async () => {
    const flag = await seedFlag(url, token, { enabled: false });
    const proxy = new CuttableProxy(url);
    await proxy.start();
    const service = serviceFor(unleashFor(flag, proxy.url));
    // The PUT reaches Unleash and is applied; its answer never comes back, and Unleash is gone from then on.
    let landed = false;
    proxy.dropWhen = () => landed;
    proxy.dropAnswerWhen = (method) => method === 'PUT' && (landed = true);
    const e = await expectAppError(service.tune(TUNED, { ...who, dryRun: false, enable: true }), 'UPSTREAM', /and undoing failed too/);
    expect(proxy.seen.find((r) => r.method === 'PUT')?.answerDropped).toBe(200);
    const failedId = e.details!.actionId as number;
    expect(await audit.get(failedId)).toMatchObject({ status: 'failed', after: null, message: expect.stringMatching(/the state Unleash was left in is unknown.*aftershock flag revert/) });
    // The write did land: Unleash shows the new constants with the flag still off.
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: TUNED });

    // Unleash is back: the revert reads the real state, records it on the failed action, and restores.
    proxy.dropWhen = null;
    proxy.dropAnswerWhen = null;
    const dry = await service.revert(failedId, { ...who });
    expect(dry).toMatchObject({ status: 'dry_run', diff: [{ field: 'constants.baseMs', from: TUNED.baseMs, to: SEED_CONSTANTS.baseMs }, { field: 'constants.maxMs', from: TUNED.maxMs, to: SEED_CONSTANTS.maxMs }, { field: 'constants.multiplier', from: TUNED.multiplier, to: SEED_CONSTANTS.multiplier }, { field: 'constants.jitter', from: TUNED.jitter, to: SEED_CONSTANTS.jitter }, { field: 'constants.maxAttempts', from: TUNED.maxAttempts, to: SEED_CONSTANTS.maxAttempts }] });
    expect(await audit.get(failedId)).toMatchObject({ after: { enabled: false, constants: TUNED }, message: expect.stringMatching(/Read back later: enabled false/) });
    const revert = await service.revert(failedId, { ...who, dryRun: false });
    expect(revert).toMatchObject({ status: 'applied', kind: 'revert', revertsId: failedId, before: { enabled: false, constants: TUNED }, after: { enabled: false, constants: SEED_CONSTANTS } });
    expect((await audit.get(failedId))!.revertedById).toBe(revert.id);
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: SEED_CONSTANTS });
    await proxy.cut();
  });

  it('a failed action whose state was unknown is not reverted over a state it could not have left', async () => {
    const flag = await seedFlag(url, token, { enabled: false });
    const proxy = new CuttableProxy(url);
    await proxy.start();
    const service = serviceFor(unleashFor(flag, proxy.url));
    let landed = false;
    proxy.dropWhen = () => landed;
    proxy.dropAnswerWhen = (method) => method === 'PUT' && (landed = true);
    const e = await expectAppError(service.tune(TUNED, { ...who, dryRun: false, enable: true }), 'UPSTREAM', /undoing failed too/);
    proxy.dropWhen = null;
    proxy.dropAnswerWhen = null;
    // Someone else sets other constants by hand before the revert: neither the before nor the target of the action.
    await unleashFor(flag).setBackoffConstants({ ...TUNED, baseMs: 77 });
    await expectAppError(service.revert(e.details!.actionId as number, { ...who, dryRun: false }), 'CONFLICT', /changed since action \d+ in a way it could not have left it/);
    expect(await unleashFor(flag).readState()).toMatchObject({ enabled: false, constants: { ...TUNED, baseMs: 77 } });
    await proxy.cut();
  });

  it('keeps payload fields it does not own, and reverts only what it changed', async () => {
    const payload = { ...SEED_CONSTANTS, owner: 'team-payments', rollout: { note: 'canary', since: '2026-11-20' } };
    const flag = await seedFlag(url, token, { payload });
    const flags = unleashFor(flag);
    const service = serviceFor(flags);
    expect((await flags.readState()).constants).toEqual(SEED_CONSTANTS);
    const tuned = await service.tune({ baseMs: 50 }, { ...who, dryRun: false });
    expect(tuned).toMatchObject({ status: 'applied', diff: [{ field: 'constants.baseMs', from: 200, to: 50 }] });
    expect(await rawPayload(url, token, flag)).toEqual({ ...payload, baseMs: 50 });
    const reverted = await service.revert(tuned.id, { ...who, dryRun: false });
    expect(reverted.status).toBe('applied');
    expect(await rawPayload(url, token, flag)).toEqual(payload);
  });

  it('reads the live payload strictly: a string or a boolean where a number belongs is a payload problem, not a number', async () => {
    for (const [bad, field] of [[{ baseMs: '100' }, /"baseMs" must be a finite number \(got "100"\)/], [{ jitter: false }, /"jitter" must be a finite number \(got false\)/], [{ maxAttempts: true }, /"maxAttempts" must be a finite number \(got true\)/]] as const) {
      const flag = await seedFlag(url, token, { payload: { ...SEED_CONSTANTS, ...bad } });
      const state = await unleashFor(flag).readState();
      expect(state.constants).toBeNull();
      expect(state.payloadProblem).toMatch(field);
    }
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
