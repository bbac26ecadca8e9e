import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open-store.ts';
import { PgliteClient } from '../../src/store/pglite-client.ts';
import { reportStoreSuite } from './report-store-suite.ts';

reportStoreSuite('PGlite', { open: () => PgliteClient.open('memory://') });

describe('PGlite data directory', () => {
  it('keeps analyses across a restart (close and reopen the same directory)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-pglite-'));
    try {
      const first = await openStore({ dataDir: dir });
      const rec = await first.store.create({ request: { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }, owner: 'p1' });
      await first.store.markRunning(rec.id);
      await first.sql.close();

      const second = await openStore({ dataDir: dir });
      try {
        expect(await migrate(second.sql)).toEqual([]);
        expect((await second.store.get(rec.id))!.status).toBe('running');
        expect(await second.store.failInterrupted({ staleMs: 0, reason: 'interrupted: restart' })).toBe(1);
        expect(await second.store.get(rec.id)).toMatchObject({ status: 'failed', error: 'interrupted: restart' });
      } finally {
        await second.sql.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
