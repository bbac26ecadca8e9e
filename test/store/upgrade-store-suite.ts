/**
 * The UpgradeStore contract, run against every engine (PGlite in pglite-upgrade-store.test.ts, PostgreSQL in
 * postgres-upgrade-store.integration.test.ts): upgrades by id or name, newest first with a cursor, their
 * analyses by request, linked actions and guard decisions, and the rollback checklist.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgAuditLog } from '../../src/store/pg/pg-audit-log.ts';
import { PgGuardLog } from '../../src/store/pg/pg-guard-log.ts';
import { PgReportStore } from '../../src/store/pg/pg-report-store.ts';
import { PgUpgradeStore } from '../../src/store/pg/pg-upgrade-store.ts';
import type { SqlClient } from '../../src/store/pg/sql-client.ts';
import type { NewUpgrade } from '../../src/store/upgrade-store.ts';
import type { Engine } from './report-store-suite.ts';

const upgrade = (name: string, upgradeAt: string, extra: Partial<NewUpgrade> = {}): NewUpgrade => ({
  name, upgradeAt, services: ['shop'], source: 'demo', createdBy: 'test', ...extra,
});

export function upgradeStoreSuite(name: string, engine: Engine): void {
  describe(`PgUpgradeStore on ${name}`, () => {
    let sql: SqlClient;
    let store: PgUpgradeStore;
    let clock = Date.parse('2026-11-21T10:00:00.000Z');
    const tick = () => new Date((clock += 1000));

    beforeAll(async () => {
      sql = await engine.open();
      await migrate(sql);
      store = new PgUpgradeStore(sql, tick);
    });
    afterAll(async () => {
      await sql?.close();
      await engine.cleanup?.();
    });
    beforeEach(async () => {
      for (const t of ['upgrade_links', 'upgrade_changes', 'upgrades', 'guard_decisions', 'flag_actions', 'analyses']) await sql.query(`DELETE FROM ${t}`);
    });

    it('creates an upgrade with its flags and expectations, finds it by id and by name, refuses a second of the same name', async () => {
      const expectations = [{ kind: 'flag' as const, name: 'hybrid', flag: 'dten.hybrid.enable' }, { kind: 'flat' as const, name: 'fallbacks', counter: { measurement: 'fallback_total' } }];
      const u = await store.create(upgrade('shop 2.4.0', '2026-11-20T14:00:00Z', { flags: ['dten.hybrid.enable'], expectations, before: '3h', version: '2.4.0', origin: 'marker' }));
      expect(u).toMatchObject({ name: 'shop 2.4.0', upgradeAt: '2026-11-20T14:00:00.000Z', services: ['shop'], flags: ['dten.hybrid.enable'], expectations, before: '3h', status: 'active', origin: 'marker', version: '2.4.0', createdBy: 'test' });
      expect(await store.get(u.id)).toEqual(u);
      expect(await store.get('shop 2.4.0')).toEqual(u);
      expect(await store.get('nothing')).toBeNull();
      await expect(store.create(upgrade('shop 2.4.0', '2026-11-21T14:00:00Z'))).rejects.toMatchObject({ code: 'CONFLICT', message: 'an upgrade named "shop 2.4.0" already exists' });
      expect(await store.count()).toBe(1);
    });

    it('lists newest upgrade first, page by page', async () => {
      const names = ['a', 'b', 'c', 'd', 'e'];
      for (const [i, n] of names.entries()) await store.create(upgrade(n, `2026-11-${10 + i}T14:00:00Z`));
      const first = await store.list({ limit: 2 });
      expect(first.items.map((u) => u.name)).toEqual(['e', 'd']);
      const second = await store.list({ limit: 2, cursor: first.nextCursor! });
      const third = await store.list({ limit: 2, cursor: second.nextCursor! });
      expect([...second.items, ...third.items].map((u) => u.name)).toEqual(['c', 'b', 'a']);
      expect(third.nextCursor).toBeNull();
      await expect(store.list({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    });

    it('finds its analyses by the request, oldest first, with their owner', async () => {
      const u = await store.create(upgrade('u', '2026-11-20T14:00:00Z'));
      const reports = new PgReportStore(sql, tick);
      const a = await reports.create({ request: { source: 'demo', upgradeAt: u.upgradeAt, upgradeId: u.id }, owner: 'guard:g1' });
      await reports.create({ request: { source: 'demo', upgradeAt: u.upgradeAt }, owner: 'p' });
      const b = await reports.create({ request: { source: 'demo', upgradeAt: u.upgradeAt, upgradeId: u.id, after: '3h' }, owner: 'p' });
      const got = await store.analyses(u.id);
      expect(got.map((x) => x.id)).toEqual([a.id, b.id]);
      expect(got.map((x) => x.owner)).toEqual(['guard:g1', 'p']);
    });

    it('links actions and guard decisions, once each', async () => {
      const u = await store.create(upgrade('u', '2026-11-20T14:00:00Z'));
      const audit = new PgAuditLog(sql);
      const guard = new PgGuardLog(sql);
      const base = { dryRun: true, mode: 'unconfigured' as const, actor: 'guard:g1', reason: 'r', analysisId: null, project: 'default', environment: 'production', flag: 'f', before: null, target: null, after: null, diff: [], revertsId: null, message: '', error: null };
      const a1 = await audit.insert({ ...base, kind: 'kill_switch', status: 'dry_run' });
      await audit.insert({ ...base, kind: 'enable', status: 'dry_run' });
      const a3 = await audit.insert({ ...base, kind: 'enable', status: 'dry_run' });
      const d = await guard.insert({ guardId: 'g1', target: 'shop', evaluation: 'passing', decision: 'nothing', step: null, reason: 'fine', consecutive: 0, actionId: null, analysisId: null, verdict: 'pass', details: null, createdAt: new Date() });
      for (const id of [a3.id, a1.id, a1.id]) await store.link(u.id, 'action', id);
      await store.link(u.id, 'guard_decision', d.id);
      expect((await store.actions(u.id)).map((x) => x.id)).toEqual([a1.id, a3.id]);
      expect((await store.decisions(u.id)).map((x) => x.reason)).toEqual(['fine']);
      const other = await store.create(upgrade('v', '2026-11-21T14:00:00Z'));
      expect(await store.actions(other.id)).toEqual([]);
    });

    it('keeps the checklist of changes a person must undo, ticked off once', async () => {
      const u = await store.create(upgrade('u', '2026-11-20T14:00:00Z'));
      const c = await store.recordChange({ upgradeId: u.id, kind: 'webhook', description: 'registered a Slack webhook for status updates', undo: 'delete webhook 42 in Slack', ref: '42', recordedBy: 'notify' });
      await store.recordChange({ upgradeId: u.id, kind: 'token', description: 'created a temporary read token', recordedBy: 'cli:alice' });
      expect(c).toMatchObject({ kind: 'webhook', ref: '42', undo: 'delete webhook 42 in Slack', doneAt: null, doneBy: null });
      expect(await store.markChangeDone(u.id, c.id, 'cli:bob')).toBe(true);
      expect(await store.markChangeDone(u.id, c.id, 'cli:bob')).toBe(false);
      const all = await store.changes(u.id);
      expect(all.map((x) => [x.kind, x.doneBy])).toEqual([['webhook', 'cli:bob'], ['token', null]]);
      await store.setStatus(u.id, 'rolled_back');
      expect((await store.get(u.id))!.status).toBe('rolled_back');
    });
  });
}
