/**
 * The NotificationLog contract, run against every engine (PGlite in pglite-report-store.test.ts, PostgreSQL in
 * postgres-report-store.integration.test.ts): verdict compare-and-set per service, the delivery queue with its
 * leases (two owners never hold one delivery, an expired lease is taken over, a release hands it back at once),
 * attempts and paging.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgNotificationLog } from '../../src/store/pg/pg-notification-log.ts';
import type { SqlClient } from '../../src/store/pg/sql-client.ts';
import type { Engine } from './report-store-suite.ts';

const T = Date.parse('2026-11-21T10:00:00.000Z');
const at = (s: number) => new Date(T + s * 1000);
const delivery = (eventId: string, target = 'hook', s = 0) => ({ eventId, eventType: 'verdict.changed', target, kind: 'webhook' as const, payload: JSON.stringify({ id: eventId }), now: at(s) });

export function notificationLogSuite(name: string, engine: Engine): void {
  describe(`PgNotificationLog on ${name}`, () => {
    let sql: SqlClient;
    let log: PgNotificationLog;

    beforeAll(async () => {
      sql = await engine.open();
      await migrate(sql);
      log = new PgNotificationLog(sql);
    });
    afterAll(async () => {
      await sql?.close();
      await engine.cleanup?.();
    });
    beforeEach(async () => {
      await sql.query('DELETE FROM notification_attempts');
      await sql.query('DELETE FROM notification_deliveries');
      await sql.query('DELETE FROM service_verdicts');
    });

    it('recordVerdict returns the previous verdict per service, and ignores an analysis of an older upgrade', async () => {
      const obs = (verdict: 'pass' | 'warn' | 'fail', upgradeAt: string, analysisId = verdict) => log.recordVerdict({ service: 'shop', verdict, analysisId, upgradeAt, now: at(0) });
      expect(await obs('pass', '2026-11-20T14:00:00Z')).toEqual({ previous: null, stale: false });
      expect(await obs('fail', '2026-11-20T14:00:00Z')).toEqual({ previous: 'pass', stale: false });
      expect(await obs('fail', '2026-11-21T09:00:00Z')).toEqual({ previous: 'fail', stale: false });
      // An older upgrade's analysis finishing later does not become "the" verdict.
      expect(await obs('pass', '2026-11-19T09:00:00Z')).toEqual({ previous: 'fail', stale: true });
      expect(await obs('warn', '2026-11-21T09:00:00Z')).toEqual({ previous: 'fail', stale: false });
      expect(await log.recordVerdict({ service: 'cart', verdict: 'pass', analysisId: 'x', upgradeAt: '2026-11-19T09:00:00Z', now: at(0) })).toEqual({ previous: null, stale: false });
    });

    it('enqueue is idempotent per event and target; claim leases due rows to one owner at a time', async () => {
      expect(await log.enqueue([delivery('e1'), delivery('e1', 'slack'), delivery('e2')])).toBe(3);
      expect(await log.enqueue([delivery('e1')])).toBe(0);
      const a = await log.claim({ owner: 'A', limit: 2, leaseMs: 60_000, now: at(1) });
      expect(a.map((d) => [d.eventId, d.target, d.status, d.attempts])).toEqual([
        ['e1', 'hook', 'pending', 0],
        ['e1', 'slack', 'pending', 0],
      ]);
      const b = await log.claim({ owner: 'B', limit: 5, leaseMs: 60_000, now: at(2) });
      expect(b.map((d) => d.eventId)).toEqual(['e2']);
      expect(await log.claim({ owner: 'B', limit: 5, leaseMs: 60_000, now: at(3) })).toEqual([]);
      // A's lease runs out (A crashed): B takes its rows over.
      expect((await log.claim({ owner: 'B', limit: 5, leaseMs: 60_000, now: at(62) })).map((d) => d.target)).toEqual(['hook', 'slack']);
    });

    it('records attempts, finishes, reschedules, releases, and lists newest first with the history', async () => {
      await log.enqueue([delivery('e1'), delivery('e2'), delivery('e3')]);
      const [d1, d2, d3] = await log.claim({ owner: 'A', limit: 3, leaseMs: 60_000, now: at(1) });
      await log.recordAttempt(d1.id, { attempt: 1, startedAt: at(1).toISOString(), durationMs: 12.4, ok: false, statusCode: 503, error: 'HTTP 503: busy' });
      await log.recordAttempt(d1.id, { attempt: 2, startedAt: at(2).toISOString(), durationMs: 8, ok: true, statusCode: 200, error: null });
      await log.finish(d1.id, { status: 'delivered', now: at(3) });
      await log.recordAttempt(d2.id, { attempt: 1, startedAt: at(1).toISOString(), durationMs: 5, ok: false, statusCode: null, error: 'x'.repeat(5000) });
      await log.finish(d2.id, { status: 'pending', nextAttemptAt: at(100) });
      await log.release('A');
      // d3 was released: due again at once; d2 waits until its next attempt time.
      expect((await log.claim({ owner: 'B', limit: 5, leaseMs: 600_000, now: at(4) })).map((d) => d.id)).toEqual([d3.id]);
      expect((await log.claim({ owner: 'B', limit: 5, leaseMs: 60_000, now: at(101) })).map((d) => d.id)).toEqual([d2.id]);

      const page = await log.list({ limit: 2 });
      expect(page.items.map((d) => d.id)).toEqual([d3.id, d2.id]);
      expect(page.nextBefore).toBe(d2.id);
      const rest = await log.list({ limit: 2, before: page.nextBefore! });
      expect(rest).toMatchObject({ nextBefore: null, items: [{ id: d1.id, status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null, finishedAt: at(3).toISOString() }] });
      expect(rest.items[0].history).toEqual([
        { attempt: 1, startedAt: at(1).toISOString(), durationMs: 12, ok: false, statusCode: 503, error: 'HTTP 503: busy' },
        { attempt: 2, startedAt: at(2).toISOString(), durationMs: 8, ok: true, statusCode: 200, error: null },
      ]);
      expect((await log.list({ status: 'pending' })).items.map((d) => [d.id, d.attempts, d.lastError?.length])).toEqual([
        [d3.id, 0, undefined],
        [d2.id, 1, 2000],
      ]);
      expect((await log.list({ target: 'nobody' })).items).toEqual([]);
    });
  });
}
