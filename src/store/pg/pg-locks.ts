/**
 * `Locks` over SQL: PostgreSQL advisory locks on a dedicated session (held for as long as the session lives,
 * released explicitly); on PGlite, which is one process, an in-process table of holders.
 */
import { AppError } from '../../errors.ts';
import { leadershipLost, type Locks } from '../locks.ts';
import { NEVER_LOST, type SqlClient } from './sql-client.ts';

export const DEFAULT_LOCK_WAIT_MS = 30_000;
const POLL_MS = 50;

export class PgLocks implements Locks {
  /** PGlite: holder per key, and a queue per key so waiters go in turn. */
  private readonly leaders = new Map<number, string>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly sql: SqlClient) {}

  withLock<T>(key: string, fn: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    if (this.sql.kind === 'pglite') {
      // One process: a promise chain per key is the whole lock.
      const run = (this.queues.get(key) ?? Promise.resolve()).then(fn, fn);
      this.queues.set(key, run.catch(() => undefined));
      return run;
    }
    const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
    return this.sql.session(async (conn) => {
      const deadline = Date.now() + waitMs;
      while (!(await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key])).rows[0]?.ok) {
        if (Date.now() > deadline) throw new AppError('BUSY', `another action on ${key} has held its lock for over ${waitMs} ms; try again`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      try {
        return await fn();
      } finally {
        await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
      }
    });
  }

  async lead<T>(key: number, holder: string, whileLeading: (check: () => Promise<void>, lost: AbortSignal) => Promise<T>, otherwise: () => Promise<T>): Promise<T> {
    if (this.sql.kind === 'pglite') {
      const owner = this.leaders.get(key);
      if (owner !== undefined && owner !== holder) return otherwise();
      this.leaders.set(key, holder);
      try {
        return await whileLeading(async () => undefined, NEVER_LOST);
      } finally {
        this.leaders.delete(key);
      }
    }
    return this.sql.session(async (conn, session) => {
      const { rows } = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      if (!rows[0]?.ok) return otherwise();
      // A dead lock connection means the lock is gone: the leader is told at once (`lost`), and the check fails.
      const lost = new AbortController();
      const onLost = () => lost.abort(leadershipLost(session.reason));
      if (session.aborted) onLost();
      else session.addEventListener('abort', onLost, { once: true });
      const check = async () => {
        if (lost.signal.aborted) throw lost.signal.reason;
        try {
          await conn.query('SELECT 1');
        } catch (e) {
          throw leadershipLost(e);
        }
      };
      try {
        return await whileLeading(check, lost.signal);
      } finally {
        session.removeEventListener('abort', onLost);
        if (!session.aborted) await conn.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
      }
    });
  }
}
