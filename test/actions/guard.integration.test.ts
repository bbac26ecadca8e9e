/**
 * The SLA guard end to end against the real Unleash server: seeded flag → failing demo analysis → the guard
 * tunes → a live unleash-client sees the new payload → a second failing evaluation → kill switch → the
 * client sees the strategy off → reverts restore the earlier states. Then concurrent guards on a real
 * PostgreSQL: only the advisory-lock holder acts, and a follower takes over when the leader stops.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { ActionService } from '../../src/actions/action-service.ts';
import { PgAuditLog } from '../../src/store/pg/pg-audit-log.ts';
import { DEFAULT_BACKOFF_BOUNDS, type BackoffConstants } from '../../src/actions/backoff-constants.ts';
import { parseGuardConfig, type GuardConfig } from '../../src/actions/guard-config.ts';
import { SlaGuard } from '../../src/actions/guard.ts';
import { createGuard, type CreateGuardOptions } from '../../src/runtime/guard-runtime.ts';
import { openRuntime } from '../../src/runtime/open-runtime.ts';
import { PgStore } from '../../src/store/open-store.ts';
import { UnleashAdminActions } from '../../src/actions/unleash/unleash-admin-actions.ts';
import type { AnalysisResult } from '../../src/analysis/types.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgReportStore } from '../../src/store/pg/pg-report-store.ts';
import { PgliteClient } from '../../src/store/pg/pglite-client.ts';
import { PostgresClient } from '../../src/store/pg/postgres-client.ts';
import type { SqlClient } from '../../src/store/pg/sql-client.ts';
import { readBackoffSettings, type BackoffSettings } from '../../src/actions/unleash/backoff-client.ts';
import { createTestDatabase } from '../store/pg-test-database.ts';
import { BACKOFF_REGRESSION } from './report-fixtures.ts';
import { seedFlag, TEST_ENVIRONMENT, TEST_VARIANT } from './support/unleash-seed.ts';

const url = inject('unleashUrl');
const adminToken = inject('unleashAdminToken');
const backendToken = inject('unleashBackendToken');
const config: Config = loadConfig();

/** The demo's regressed strategy: base 400 ms, multiplier 2, equal jitter, 4 attempts. */
const DEMO_NEW_STRATEGY: BackoffConstants = { baseMs: 400, maxMs: 8000, multiplier: 2, jitter: 0.5, maxAttempts: 4 };

function guardConfig(over: Record<string, unknown> = {}): GuardConfig {
  return parseGuardConfig(
    {
      enabled: true,
      dryRun: false,
      interval: '300ms',
      targets: [{ name: 'shop', source: 'demo', services: ['shop'], upgradeAt: '2026-11-20T14:00:00Z', before: '2h', after: '2h' }],
      hysteresis: { consecutive: 1 },
      cooldown: 0,
      maxActionsPerHour: 10,
      steps: {
        tune: { enabled: true, when: ['tail_latency'], maxPerEpisode: 1, aim: 0.5 },
        killSwitch: { enabled: true, when: ['tail_latency', 'retry_rate'] },
      },
      lockKey: Math.floor(Math.random() * 2 ** 31),
      ...over,
    },
    'test guard config',
  );
}

function actionsFor(flag: string, sql: SqlClient): ActionService {
  const flags = new UnleashAdminActions({ url, token: adminToken, project: 'default', environment: TEST_ENVIRONMENT, flag, variant: TEST_VARIANT, bounds: DEFAULT_BACKOFF_BOUNDS, timeoutMs: 3000, retries: 2, retryBaseMs: 100 });
  return new ActionService({ flags, audit: new PgAuditLog(sql), ref: flags.ref, bounds: DEFAULT_BACKOFF_BOUNDS, dryRunDefault: true });
}

/** A guard wired by the runtime over this SQL client (analyses run in-process, tracked in that store). */
async function guardOn(sql: SqlClient, guard: GuardConfig, options: CreateGuardOptions): Promise<SlaGuard> {
  return createGuard(await openRuntime({ config, env: {}, store: new PgStore(sql, 'test') }), guard, options);
}

/** A guard over this SQL client whose analyses are the given report (no source read). */
function scriptedGuard(sql: SqlClient, guard: GuardConfig, actions: ActionService, id: string, result: AnalysisResult): SlaGuard {
  const store = new PgStore(sql, 'test');
  return new SlaGuard({ guard, actions, guardLog: store.guardLog, audit: store.audit, locks: store.locks, id, analyze: async () => ({ result, analysisId: null }) });
}

/** Polls the live client until `ok` holds (the server ticks once a second, the client refreshes every 200 ms). */
async function clientSees(client: Unleash, flag: string, ok: (s: BackoffSettings) => boolean, timeoutMs = 15_000): Promise<BackoffSettings> {
  const deadline = Date.now() + timeoutMs;
  let s = readBackoffSettings(client, { flag });
  while (!ok(s)) {
    if (Date.now() > deadline) throw new Error(`client did not see the expected state within ${timeoutMs} ms; last: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
    s = readBackoffSettings(client, { flag });
  }
  return s;
}

describe('SLA guard, full cycle against a real Unleash and the real demo analysis', () => {
  let sql: PgliteClient;
  let client: Unleash;
  beforeAll(async () => {
    sql = await PgliteClient.open('memory://');
    await migrate(sql);
    client = new Unleash({ url: `${url}/api/`, appName: 'aftershock-guard-test', customHeaders: { Authorization: backendToken }, refreshInterval: 200, disableMetrics: true, storageProvider: new InMemStorageProvider() });
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => client.once('synchronized', () => resolve()));
  });
  afterAll(async () => {
    client?.destroy();
    await sql?.close();
  });

  it('tunes, observes, escalates to the kill switch, and reverts step by step', async () => {
    const flag = await seedFlag(url, adminToken, { constants: DEMO_NEW_STRATEGY });
    const actions = actionsFor(flag, sql);
    const store = new PgReportStore(sql);
    const guard = await guardOn(sql, guardConfig(), { actions, id: 'cycle' });
    const seen0 = await clientSees(client, flag, (s) => s.source === 'flag');
    expect(seen0).toEqual({ enabled: true, constants: DEMO_NEW_STRATEGY, source: 'flag' });

    // 1st failing evaluation → tune
    const [first] = await guard.runOnce();
    expect(first).toMatchObject({ target: 'shop', evaluation: 'failing', decision: 'acted', step: 'tune', verdict: 'fail', consecutive: 1 });
    expect(first.reason).toMatch(/Propose baseMs 400 → \d+/);
    const tune = (await actions.getAction(first.actionId!))!;
    expect(tune).toMatchObject({ kind: 'backoff_constants', status: 'applied', actor: 'guard:cycle', analysisId: first.analysisId });
    expect((await store.get(first.analysisId!))?.report?.verdict).toBe('fail');
    const tuned = tune.after!.constants!;
    expect(tuned.baseMs).toBeLessThan(400);
    expect({ ...tuned, baseMs: 0 }).toEqual({ ...DEMO_NEW_STRATEGY, baseMs: 0 });
    expect(await clientSees(client, flag, (s) => s.constants.baseMs === tuned.baseMs)).toEqual({ enabled: true, constants: tuned, source: 'flag' });

    // 2nd failing evaluation (the demo data does not improve) → kill switch
    const [second] = await guard.runOnce();
    expect(second).toMatchObject({ evaluation: 'failing', decision: 'acted', step: 'kill_switch' });
    expect(second.reason).toMatch(/1 tune\(s\) already applied in this episode/);
    const kill = (await actions.getAction(second.actionId!))!;
    expect(kill.diff).toEqual([{ field: 'enabled', from: true, to: false }]);
    expect(await clientSees(client, flag, (s) => !s.enabled)).toEqual({ enabled: false, constants: { baseMs: 100, maxMs: 5000, multiplier: 2, jitter: 0.2, maxAttempts: 3 }, source: 'default' });

    // 3rd: nothing left to do, and it says why
    const [third] = await guard.runOnce();
    expect(third).toMatchObject({ evaluation: 'failing', decision: 'nothing', actionId: null });
    expect(third.reason).toMatch(/already switched off/);

    // reverts restore the earlier states, one at a time
    await actions.revert(kill.id, { actor: 'test:sre', reason: 'fixed upstream', dryRun: false });
    expect(await clientSees(client, flag, (s) => s.enabled)).toEqual({ enabled: true, constants: tuned, source: 'flag' });
    await actions.revert(tune.id, { actor: 'test:sre', reason: 'fixed upstream', dryRun: false });
    expect(await clientSees(client, flag, (s) => s.constants.baseMs === 400)).toEqual({ enabled: true, constants: DEMO_NEW_STRATEGY, source: 'flag' });

    const log = await guard.decisions.list({ target: 'shop' });
    expect(log.items.map((d) => d.decision)).toEqual(['nothing', 'acted', 'acted']);
  });

  it('in dry-run mode proposes and records, and leaves the flag alone', async () => {
    const flag = await seedFlag(url, adminToken, { constants: DEMO_NEW_STRATEGY });
    const actions = actionsFor(flag, sql);
    const guard = await guardOn(sql, guardConfig({ dryRun: true, hysteresis: { consecutive: 2 }, targets: [{ name: 'shop-dry', source: 'demo', services: ['shop'], upgradeAt: '2026-11-20T14:00:00Z', before: '2h', after: '2h' }] }), { actions, id: 'dry', track: false });
    const [first] = await guard.runOnce();
    expect(first).toMatchObject({ decision: 'nothing', consecutive: 1 });
    expect(first.reason).toMatch(/failing evaluation 1 of 2 needed in a row \(hysteresis\)/);
    const [second] = await guard.runOnce();
    expect(second).toMatchObject({ decision: 'dry_run', step: 'tune', consecutive: 2 });
    expect(second.reason).toMatch(/^dry run \(dry run: would apply constants\.baseMs: 400 → \d+; nothing was changed\)/);
    expect((await actions.readState()).constants).toEqual(DEMO_NEW_STRATEGY);
  });
});

describe('the guard’s kill-switch step with live constants outside the bounds (issue 14)', () => {
  it('switches the flag off although its constants (maxAttempts=50) are outside the configured bounds', async () => {
    const sql = await PgliteClient.open('memory://');
    try {
      await migrate(sql);
      const flag = await seedFlag(url, adminToken, { constants: { ...DEMO_NEW_STRATEGY, maxAttempts: 50 } });
      const actions = actionsFor(flag, sql);
      const policy = guardConfig({ targets: [{ name: 'wild', source: 'demo', services: ['shop'], upgradeAt: '2026-11-20T14:00:00Z' }] });
      const guard = scriptedGuard(sql, policy, actions, 'wild', { report: BACKOFF_REGRESSION, series: { latency: [], upstreams: [] } });
      const [d] = await guard.runOnce();
      // No bounded tuning exists from maxAttempts=50, so the graduated policy goes straight to the kill switch.
      expect(d).toMatchObject({ evaluation: 'failing', decision: 'acted', step: 'kill_switch' });
      expect(await actions.getAction(d.actionId!)).toMatchObject({ kind: 'kill_switch', status: 'applied', diff: [{ field: 'enabled', from: true, to: false }] });
      expect(await actions.readState()).toMatchObject({ enabled: false, constants: { ...DEMO_NEW_STRATEGY, maxAttempts: 50 } });
    } finally {
      await sql.close();
    }
  });
});

describe('guards sharing one embedded store', () => {
  it('count as one replica: of two guards in the process, one evaluates and the other stands by', async () => {
    const sql = await PgliteClient.open('memory://');
    try {
      await migrate(sql);
      const actions = new ActionService({ flags: null, audit: new PgAuditLog(sql), ref: { project: 'default', environment: 'production', flag: 'dten.backoff.v2' }, bounds: DEFAULT_BACKOFF_BOUNDS, dryRunDefault: true });
      const result = { report: BACKOFF_REGRESSION, series: { latency: [], upstreams: [] } };
      const policy = guardConfig({ targets: [{ name: 'embedded', source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }] });
      // One store object, as in one process: both guards share its (in-process) lock.
      const store = new PgStore(sql, 'test');
      const [a, b] = ['one', 'two'].map((id) => new SlaGuard({ guard: policy, actions, guardLog: store.guardLog, audit: store.audit, locks: store.locks, id, analyze: async () => ({ result, analysisId: null }) }));
      const decisions = (await Promise.all([a.runOnce(), b.runOnce()])).flat();
      expect(decisions.map((d) => d.evaluation).sort()).toEqual(['failing', 'standby']);
      // no Unleash configured: the guard's step is a dry run that says so
      const acted = decisions.find((d) => d.evaluation === 'failing')!;
      expect(acted).toMatchObject({ decision: 'dry_run', step: 'tune' });
      expect(acted.reason).toMatch(/Unleash is not configured/);
    } finally {
      await sql.close();
    }
  });
});

describe('concurrent guards on a real PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  const clients: PostgresClient[] = [];
  beforeAll(async () => {
    db = await createTestDatabase(inject('postgresAdminUrl'), 'aftershock_guard');
    const c = new PostgresClient(db.url);
    clients.push(c);
    await migrate(c);
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await db?.drop();
  });

  it('only the advisory-lock holder acts; the other records standby, and takes over when the leader stops', async () => {
    const flag = await seedFlag(url, adminToken, { constants: DEMO_NEW_STRATEGY });
    const policy = guardConfig({ targets: [{ name: 'shop-pg', source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }], interval: '250ms', cooldown: '1h', maxActionsPerHour: 5 });
    const result = { report: BACKOFF_REGRESSION, series: { latency: [], upstreams: [] } };
    const make = (id: string) => {
      const sql = new PostgresClient(db.url);
      clients.push(sql);
      return scriptedGuard(sql, policy, actionsFor(flag, sql), id, result);
    };
    const a = make('replica-a');
    const b = make('replica-b');
    // both at the same moment, by runOnce: exactly one evaluates
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    const evaluations = [...ra, ...rb].map((d) => d.evaluation).sort();
    expect(evaluations).toEqual(['failing', 'standby']);
    const firstLeader = ra[0].evaluation === 'failing' ? 'replica-a' : 'replica-b';

    // both running loops: the leader keeps the lock, the cooldown holds it back from acting again
    const ha = a.start();
    const hb = b.start();
    await new Promise((r) => setTimeout(r, 1500));
    const all = (await a.decisions.list({ target: 'shop-pg', limit: 500 })).items;
    const acting = all.filter((d) => d.decision === 'acted');
    expect(acting).toHaveLength(1);
    expect(acting[0].guardId).toBe(firstLeader);
    const sinceStart = all.filter((d) => d.id > Math.max(ra[0].id, rb[0].id));
    const loopLeaders = [...new Set(sinceStart.filter((d) => d.evaluation !== 'standby').map((d) => d.guardId))];
    expect(loopLeaders).toHaveLength(1);
    const loopLeader = loopLeaders[0];
    const follower = loopLeader === 'replica-a' ? 'replica-b' : 'replica-a';
    const followerRows = sinceStart.filter((d) => d.guardId === follower);
    expect(followerRows.length).toBeGreaterThanOrEqual(2);
    expect(followerRows.every((d) => d.evaluation === 'standby' && /another replica holds the guard lock/.test(d.reason))).toBe(true);
    expect(sinceStart.filter((d) => d.guardId === loopLeader && d.evaluation === 'failing').length).toBeGreaterThanOrEqual(2);
    expect(sinceStart.filter((d) => d.guardId === loopLeader).every((d) => d.decision === 'nothing' && /cooldown/.test(d.reason))).toBe(true);
    const applied = (await new PgAuditLog(clients[0]).list({ flag, status: 'applied' })).items;
    expect(applied.map((r) => r.actor)).toEqual([`guard:${firstLeader}`]);

    // the leader stops (releasing its session lock): the follower takes over
    const lastId = all[0].id;
    await (loopLeader === 'replica-a' ? ha : hb).stop();
    await new Promise((r) => setTimeout(r, 1000));
    const later = (await a.decisions.list({ target: 'shop-pg', limit: 500 })).items.filter((d) => d.id > lastId);
    expect(later.some((d) => d.guardId === follower && d.evaluation === 'failing')).toBe(true);
    await (loopLeader === 'replica-a' ? hb : ha).stop();
  });
});
