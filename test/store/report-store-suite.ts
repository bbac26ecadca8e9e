/**
 * The ReportStore contract, run against every engine (PGlite in pglite-report-store.test.ts, PostgreSQL in
 * postgres-report-store.integration.test.ts) so both implementations of SqlClient behave the same.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgReportStore } from '../../src/store/pg/pg-report-store.ts';
import type { SqlClient } from '../../src/store/pg/sql-client.ts';
import type { AnalysisRequest } from '../../src/runtime/analysis-request.ts';
import { finding, makeReport, makeSeries } from './report-fixtures.ts';

export interface Engine {
  open(): Promise<SqlClient>;
  cleanup?(): Promise<void>;
}

const request = (services?: string[], upgradeAt = '2026-11-20T14:00:00Z'): AnalysisRequest => ({ source: 'demo', upgradeAt, before: '2h', after: '2h', services });

export function reportStoreSuite(name: string, engine: Engine): void {
  describe(`PgReportStore on ${name}`, () => {
    let sql: SqlClient;
    let store: PgReportStore;
    let clock = Date.parse('2026-11-21T10:00:00.000Z');
    const tick = () => new Date((clock += 1000));

    beforeAll(async () => {
      sql = await engine.open();
      expect((await migrate(sql)).length).toBeGreaterThanOrEqual(1);
      store = new PgReportStore(sql, tick);
    });
    afterAll(async () => {
      await sql?.close();
      await engine.cleanup?.();
    });
    beforeEach(async () => {
      await sql.query('DELETE FROM analyses');
    });

    it('SqlClient: transactions commit, roll back on a throw, and PostgreSQL error codes survive', async () => {
      await sql.query('CREATE TABLE IF NOT EXISTS sql_client_probe (k text PRIMARY KEY, v integer)');
      await sql.query('DELETE FROM sql_client_probe');
      await sql.transaction(async (tx) => {
        await tx.query('INSERT INTO sql_client_probe VALUES ($1, $2)', ['a', 1]);
        await tx.query('INSERT INTO sql_client_probe VALUES ($1, $2)', ['b', 2]);
      });
      await expect(
        sql.transaction(async (tx) => {
          await tx.query('INSERT INTO sql_client_probe VALUES ($1, $2)', ['c', 3]);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      const duplicate = await sql.query('INSERT INTO sql_client_probe VALUES ($1, $2)', ['a', 9]).catch((e: unknown) => e);
      expect(duplicate).toMatchObject({ code: '23505' });
      const { rows } = await sql.query<{ k: string; v: number }>('SELECT k, v FROM sql_client_probe ORDER BY k');
      expect(rows).toEqual([
        { k: 'a', v: 1 },
        { k: 'b', v: 2 },
      ]);
      const when = new Date('2026-11-20T14:00:00.123Z');
      const echo = await sql.query<{ t: Date; xs: string[] }>('SELECT $1::timestamptz AS t, $2::text[] AS xs', [when, ['x', 'y']]);
      expect(echo.rows[0]).toEqual({ t: when, xs: ['x', 'y'] });
      await sql.query('DROP TABLE sql_client_probe');
    });

    it('applies migrations once: a second run applies nothing and the tables stay', async () => {
      expect(await migrate(sql)).toEqual([]);
      const { rows } = await sql.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => Number(r.version))).toContain(1);
    });

    it('stores a queued analysis and reads it back; unknown ids give null', async () => {
      const created = await store.create({ request: request(['shop']), owner: 'p1' });
      expect(created).toMatchObject({ status: 'queued', progress: 0, report: null, series: null, error: null });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      const got = await store.get(created.id);
      expect(got).toEqual(created);
      expect(got!.request).toEqual(request(['shop']));
      expect(await store.get('00000000-0000-0000-0000-000000000000')).toBeNull();
      expect(await store.count()).toBe(1);
      await store.ping();
    });

    it('runs the lifecycle queued → running → done with progress, report and series', async () => {
      const { id } = await store.create({ request: request(), owner: 'p1' });
      await store.markRunning(id);
      expect((await store.get(id))!.status).toBe('running');
      await store.setProgress(id, 0.4);
      await store.setProgress(id, 0.2); // progress never goes back
      expect((await store.get(id))!.progress).toBeCloseTo(0.4, 12);
      const report = makeReport('fail', [finding('shop', '/checkout', 'regression'), finding('billing', '/pay', 'no_change')]);
      const series = makeSeries('shop');
      await store.complete(id, { report, series });
      const done = (await store.get(id))!;
      expect(done.status).toBe('done');
      expect(done.progress).toBe(1);
      expect(done.report).toEqual(report);
      expect(done.series).toEqual(series);
      // A late failure (e.g. a timeout racing the result) must not overwrite a finished analysis.
      await store.fail(id, 'too late');
      expect((await store.get(id))!.status).toBe('done');
      const page = await store.list({ limit: 10 });
      expect(page.items[0]).toMatchObject({ id, verdict: 'fail', services: ['billing', 'shop'], summary: report.summary });
    });

    it('stores a failure with its reason', async () => {
      const { id } = await store.create({ request: request(), owner: 'p1' });
      await store.fail(id, 'source: demo unreachable');
      expect(await store.get(id)).toMatchObject({ status: 'failed', error: 'source: demo unreachable', report: null });
    });

    it('pages newest first with an opaque cursor and no duplicates or gaps, also for equal creation times', async () => {
      const ids: string[] = [];
      const sameInstant = new Date('2026-11-21T12:00:00.000Z');
      for (let i = 0; i < 7; i++) ids.push((await store.create({ request: request(), owner: 'p1', now: i < 3 ? sameInstant : undefined })).id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ limit: 3, cursor });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((x) => x.id));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(7);
      expect(seen.sort()).toEqual([...ids].sort());
      const all = (await store.list({ limit: 100 })).items;
      for (let i = 1; i < all.length; i++) {
        const [a, b] = [all[i - 1], all[i]];
        expect(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id)).toBe(true);
      }
      expect((await store.list({ limit: 7 })).nextCursor).toBeNull();
    });

    it('rejects a cursor it did not issue', async () => {
      await expect(store.list({ limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    });

    it('filters by service, verdict, status and upgrade time', async () => {
      const a = await store.create({ request: request(undefined, '2026-11-01T00:00:00Z'), owner: 'p1' });
      await store.complete(a.id, { report: makeReport('fail', [finding('shop', '/checkout', 'regression')]), series: makeSeries('shop') });
      const b = await store.create({ request: request(undefined, '2026-11-10T00:00:00Z'), owner: 'p1' });
      await store.complete(b.id, { report: makeReport('pass', [finding('billing', '/pay', 'no_change')]), series: makeSeries('billing') });
      const c = await store.create({ request: request(['shop'], '2026-11-20T00:00:00Z'), owner: 'p1' });
      const ids = async (q: Parameters<PgReportStore['list']>[0]) => (await store.list(q)).items.map((x) => x.id);
      expect(await ids({ limit: 10, service: 'shop' })).toEqual([c.id, a.id]);
      expect(await ids({ limit: 10, verdict: 'pass' })).toEqual([b.id]);
      expect(await ids({ limit: 10, status: 'queued' })).toEqual([c.id]);
      expect(await ids({ limit: 10, upgradeFrom: Date.parse('2026-11-05T00:00:00Z'), upgradeTo: Date.parse('2026-11-15T00:00:00Z') })).toEqual([b.id]);
      expect(await ids({ limit: 10, service: 'nobody' })).toEqual([]);
    });

    it('answers the latest verdict per service with that service’s regressions only', async () => {
      expect(await store.latestVerdict('shop')).toBeNull();
      const old = await store.create({ request: request(undefined, '2026-11-01T00:00:00Z'), owner: 'p1' });
      await store.complete(old.id, { report: makeReport('pass', [finding('shop', '/checkout', 'no_change')]), series: makeSeries('shop') });
      const recent = await store.create({ request: request(undefined, '2026-11-20T00:00:00Z'), owner: 'p1' });
      const report = makeReport('fail', [finding('shop', '/checkout', 'regression'), finding('shop', '/cart', 'no_change'), finding('billing', '/pay', 'regression')]);
      await store.complete(recent.id, { report, series: makeSeries('shop') });
      // Unfinished and older-upgrade analyses do not count.
      await store.create({ request: request(['shop'], '2026-11-21T00:00:00Z'), owner: 'p1' });
      const v = await store.latestVerdict('shop');
      expect(v).toMatchObject({ service: 'shop', analysisId: recent.id, verdict: 'fail', upgradeAt: '2026-11-20T00:00:00.000Z' });
      expect(v!.regressions.map((f) => `${f.service} ${f.subject}`)).toEqual(['shop /checkout']);
      expect((await store.latestVerdict('billing'))!.regressions).toHaveLength(1);
    });

    it('marks interrupted analyses failed: by heartbeat age, and by owner on shutdown', async () => {
      const stale = await store.create({ request: request(), owner: 'dead', now: new Date(clock - 120_000) });
      const live = await store.create({ request: request(), owner: 'alive' });
      await store.markRunning(live.id);
      const finished = await store.create({ request: request(), owner: 'dead', now: new Date(clock - 120_000) });
      await store.fail(finished.id, 'earlier failure');
      expect(await store.failInterrupted({ staleMs: 60_000, reason: 'interrupted: crash' })).toBe(1);
      expect(await store.get(stale.id)).toMatchObject({ status: 'failed', error: 'interrupted: crash' });
      expect((await store.get(live.id))!.status).toBe('running');
      expect((await store.get(finished.id))!.error).toBe('earlier failure');
      await store.heartbeat('alive');
      expect(await store.failInterrupted({ staleMs: 0, owner: 'someone-else', reason: 'x' })).toBe(0);
      expect(await store.failInterrupted({ staleMs: 0, owner: 'alive', reason: 'interrupted: shutdown' })).toBe(1);
      expect(await store.get(live.id)).toMatchObject({ status: 'failed', error: 'interrupted: shutdown' });
    });

    it('stores the HTML page of a finished analysis under its renderer key only (issue 12)', async () => {
      const running = await store.create({ request: request(), owner: 'p' });
      await store.saveRenderedPage(running.id, 'r1', '<p>too early</p>');
      expect(await store.renderedPage(running.id, 'r1')).toBeNull(); // a page shows a final report only
      await store.complete(running.id, { report: makeReport('pass', [finding('shop', '/a', 'no_change')]), series: makeSeries('shop') });
      expect(await store.renderedPage(running.id, 'r1')).toBeNull();
      const html = `<p>${'x'.repeat(300_000)}</p>`;
      await store.saveRenderedPage(running.id, 'r1', html);
      expect(await store.renderedPage(running.id, 'r1')).toBe(html);
      expect(await store.renderedPage(running.id, 'r2')).toBeNull(); // drawn by other code: not served
      expect(await store.renderedPage('no-such-id', 'r1')).toBeNull();
      await store.saveRenderedPage(running.id, 'r2', '<p>new</p>');
      expect(await store.renderedPage(running.id, 'r1')).toBeNull();
      expect(await store.renderedPage(running.id, 'r2')).toBe('<p>new</p>');
      // The summary list never carries the page.
      expect(JSON.stringify((await store.list({ limit: 10 })).items)).not.toContain('<p>new</p>');
    });
  });
}
