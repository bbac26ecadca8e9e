import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PostgresClient } from '../../src/store/pg/postgres-client.ts';
import { createTestDatabase } from './pg-test-database.ts';
import { notificationLogSuite } from './notification-log-suite.ts';
import { reportStoreSuite } from './report-store-suite.ts';

let drop: (() => Promise<void>) | undefined;
reportStoreSuite('PostgreSQL', {
  open: async () => {
    const db = await createTestDatabase(inject('postgresAdminUrl'));
    drop = db.drop;
    return new PostgresClient(db.url);
  },
  cleanup: async () => drop?.(),
});

let dropNotifications: (() => Promise<void>) | undefined;
notificationLogSuite('PostgreSQL', {
  open: async () => {
    const db = await createTestDatabase(inject('postgresAdminUrl'));
    dropNotifications = db.drop;
    return new PostgresClient(db.url);
  },
  cleanup: async () => dropNotifications?.(),
});

describe('PostgreSQL migrations', () => {
  let url: string;
  let dropDb: () => Promise<void>;
  beforeAll(async () => {
    ({ url, drop: dropDb } = await createTestDatabase(inject('postgresAdminUrl'), 'aftershock_mig'));
  });
  afterAll(async () => dropDb?.());

  it('lets replicas that start at the same time migrate one after the other', async () => {
    const clients = [0, 1, 2].map(() => new PostgresClient(url));
    try {
      const applied = await Promise.all(clients.map((c) => migrate(c)));
      // Exactly one replica applied each migration; the others found it done.
      const all = applied.flat().sort((a, b) => a - b);
      expect(new Set(all).size).toBe(all.length);
      const { rows } = await clients[0].query<{ n: number }>('SELECT count(*)::integer AS n FROM schema_migrations');
      expect(rows[0].n).toBe(all.length);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('reports an unreachable server as UPSTREAM without the password', async () => {
    const client = new PostgresClient('postgres://someone:s3cret@127.0.0.1:1/nothing', { connectTimeoutMs: 1000 });
    const error = await client.query('SELECT 1').catch((e: unknown) => e);
    await client.close();
    expect(error).toMatchObject({ code: 'UPSTREAM' });
    expect(String((error as Error).message)).not.toContain('s3cret');
  });
});
