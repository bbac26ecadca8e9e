import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/pg/migrate.ts';
import { openStore } from '../../src/store/open-store.ts';
import { PgliteClient } from '../../src/store/pg/pglite-client.ts';
import { PgliteWorkerClient } from '../../src/store/pg/pglite-worker-client.ts';
import { notificationLogSuite } from './notification-log-suite.ts';
import { reportStoreSuite } from './report-store-suite.ts';

reportStoreSuite('PGlite', { open: () => PgliteClient.open('memory://') });
reportStoreSuite('PGlite in a worker thread', { open: () => PgliteWorkerClient.open('memory://') });
notificationLogSuite('PGlite in a worker thread', { open: () => PgliteWorkerClient.open('memory://') });

describe('PGlite data directory', () => {
  it('keeps analyses across a restart (close and reopen the same directory)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-pglite-'));
    try {
      const first = await openStore({ dataDir: dir });
      const rec = await first.reports.create({ request: { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }, owner: 'p1' });
      await first.reports.markRunning(rec.id);
      await first.sql.close();

      const second = await openStore({ dataDir: dir });
      try {
        expect(await migrate(second.sql)).toEqual([]);
        expect((await second.reports.get(rec.id))!.status).toBe('running');
        expect(await second.reports.failInterrupted({ staleMs: 0, reason: 'interrupted: restart' })).toBe(1);
        expect(await second.reports.get(rec.id)).toMatchObject({ status: 'failed', error: 'interrupted: restart' });
      } finally {
        await second.sql.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 0002 (report and series as text)', () => {
  it('keeps reports written under 0001 readable, with their summary', async () => {
    const { copyFile, mkdtemp: mk, rm: remove } = await import('node:fs/promises');
    const { DEFAULT_MIGRATIONS_DIR } = await import('../../src/store/pg/migrate.ts');
    const { PgReportStore } = await import('../../src/store/pg/pg-report-store.ts');
    const { makeReport, makeSeries, finding } = await import('./report-fixtures.ts');
    const dir = await mk(path.join(os.tmpdir(), 'aftershock-mig-'));
    const sql = await PgliteClient.open('memory://');
    try {
      await copyFile(path.join(DEFAULT_MIGRATIONS_DIR, '0001-analyses.sql'), path.join(dir, '0001-analyses.sql'));
      expect(await migrate(sql, { dir })).toEqual([1]);
      const report = makeReport('fail', [finding('shop', '/checkout', 'regression')]);
      const series = makeSeries('shop');
      await sql.query(
        `INSERT INTO analyses (id, status, progress, request, upgrade_at, services, verdict, report, series, owner, created_at, updated_at, heartbeat_at)
         VALUES ('old', 'done', 1, $1::jsonb, now(), '{shop}', 'fail', $2::jsonb, $3::jsonb, 'p', now(), now(), now())`,
        [JSON.stringify({ source: 'demo', upgradeAt: report.upgradeAt }), JSON.stringify(report), JSON.stringify(series)],
      );
      expect(await migrate(sql)).toContain(2);
      const store = new PgReportStore(sql);
      const got = await store.get('old');
      expect(got!.report).toEqual(report);
      expect(got!.series).toEqual(series);
      expect((await store.list({ limit: 1 })).items[0].summary).toBe(report.summary);
      expect((await store.latestVerdict('shop'))!.regressions).toHaveLength(1);
    } finally {
      await sql.close();
      await remove(dir, { recursive: true, force: true });
    }
  });
});

describe('PGlite data directory lock', () => {
  it('refuses a second opener while the first is alive, and takes over a lock left by a dead process', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { LOCK_FILE } = await import('../../src/store/pg/pglite-client.ts');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-lock-'));
    try {
      const first = await PgliteClient.open(dir);
      await expect(PgliteClient.open(dir)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('already open in this process') });
      await first.close();
      // A pid that is not running (the lock of a crashed process).
      await writeFile(path.join(dir, LOCK_FILE), '2147483646');
      const again = await PgliteClient.open(dir);
      await again.close();
      // A live process holding it: our parent.
      await writeFile(path.join(dir, LOCK_FILE), String(process.ppid));
      await expect(PgliteClient.open(dir)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(`in use by process ${process.ppid}`) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
