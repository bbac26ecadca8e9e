/**
 * A dedicated PostgreSQL session (advisory locks, the guard's leadership) dropped by the server — a restart, a
 * failover, an idle timeout — reproduced with `pg_terminate_backend` on the real local PostgreSQL. The checked-out
 * `pg` client then emits 'error'; unhandled, that took the whole process down (issue 14). It must become a
 * signal the session's user sees, a failed query, and a pool that keeps working.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgresClient } from '../../src/store/pg/postgres-client.ts';
import { createTestDatabase } from './pg-test-database.ts';

let db: { url: string; drop: () => Promise<void> };
let admin: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase(inject('postgresAdminUrl'), 'aftershock_session');
  admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a PostgreSQL session terminated by the server', () => {
  it('aborts the session’s signal, fails its next query, and leaves the pool usable — no unhandled error', async () => {
    const sql = new PostgresClient(db.url);
    try {
      const outcome = await sql.session(async (conn, lost) => {
        const pid = (await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        // Idle between queries, as the guard's leader is between evaluations.
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await until('the session to be reported lost', async () => lost.aborted);
        const next = await conn.query('SELECT 1').then(
          () => 'answered',
          (e: Error) => e.message,
        );
        return { reason: (lost.reason as Error).message, next };
      });
      expect(outcome.reason).toMatch(/terminat/i);
      expect(outcome.next).not.toBe('answered');
      // The dead connection was not handed back: the pool opens a new one.
      expect((await sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(await sql.session(async (conn, lost) => ({ aborted: lost.aborted, rows: (await conn.query('SELECT 2 AS two')).rows }))).toEqual({ aborted: false, rows: [{ two: 2 }] });
    } finally {
      await sql.close();
    }
  });

  it('during a query: the query fails with the server’s reason and nothing else escapes', async () => {
    const sql = new PostgresClient(db.url);
    try {
      const message = await sql.session(async (conn) => {
        const pid = (await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        const sleeping = conn.query('SELECT pg_sleep(5)').then(
          () => 'answered',
          (e: Error) => e.message,
        );
        await until('the sleep to start', async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [pid])).rowCount === 1);
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        return sleeping;
      });
      expect(message).toMatch(/terminat/i);
      expect((await sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await sql.close();
    }
  });
});
