/**
 * SqlClient over a real PostgreSQL (`DATABASE_URL`) through a `pg` Pool. `transaction()` and `session()`
 * check out one dedicated client so BEGIN…COMMIT and session state (advisory locks) stay on one connection.
 *
 * Every place `pg` can emit 'error' has a listener, because an unhandled 'error' event ends the process: the
 * pool's idle clients (`pool.on('error')`), and each checked-out client for as long as it is out (the pool
 * removes its own listener on checkout). A session whose connection the server ends (a restart, a failover, an
 * idle timeout) learns it through its `lost` signal, its queries fail, and the dead client is destroyed rather
 * than handed back to the pool.
 */
import pg from 'pg';
import { AppError } from '../../errors.ts';
import type { SqlClient } from './sql-client.ts';

export const DEFAULT_POOL_MAX = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

type Runner = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Hides credentials of a connection URL for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

async function run<T>(db: Runner, sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
  const result = await db.query(sql, params && params.length > 0 ? params : undefined);
  // A multi-statement text returns one result per statement: keep the last, like PgliteClient.
  const last = Array.isArray(result) ? result.at(-1) : result;
  return { rows: (last?.rows ?? []) as T[] };
}

/**
 * An error that ends the connection, not just the statement: FATAL/PANIC from the server (57P01 "terminating
 * connection due to administrator command" and its kin), a connection exception (class 08), or the socket gone.
 * The server's FATAL answer fails the running query before the socket closes and 'error' is emitted, so a session
 * must not wait for the event to know its connection is dead.
 */
export function endsConnection(e: unknown): boolean {
  const err = e as { severity?: string; code?: string; message?: string };
  return err?.severity === 'FATAL' || err?.severity === 'PANIC' || /^(08|57P)/.test(err?.code ?? '') || /^Connection terminated/.test(err?.message ?? '');
}

function connectionClient(conn: pg.PoolClient, lost: AbortController): SqlClient {
  const client: SqlClient = {
    kind: 'postgres',
    query: async (sql, params) => {
      try {
        return await run(conn, sql, params);
      } catch (e) {
        if (endsConnection(e) && !lost.signal.aborted) lost.abort(e);
        throw e;
      }
    },
    transaction: async (fn) => {
      await client.query('BEGIN');
      try {
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
    session: (fn) => fn(client, lost.signal),
    close: async () => undefined,
  };
  return client;
}

export class PostgresClient implements SqlClient {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string, options: { max?: number; connectTimeoutMs?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.max ?? DEFAULT_POOL_MAX,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
    // An idle client losing its connection must not crash the process; the next query reports the error.
    this.pool.on('error', () => undefined);
    const where = redactUrl(connectionString);
    this.describe = () => where;
  }

  readonly describe: () => string;

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    return this.wrap(() => run<T>(this.pool, sql, params));
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.session((conn) => conn.transaction(fn));
  }

  async session<T>(fn: (conn: SqlClient, lost: AbortSignal) => Promise<T>): Promise<T> {
    const conn = await this.wrap(() => this.pool.connect());
    const lost = new AbortController();
    const onError = (e: Error) => {
      if (!lost.signal.aborted) lost.abort(e);
    };
    conn.on('error', onError);
    try {
      return await fn(connectionClient(conn, lost), lost.signal);
    } finally {
      // release(error) destroys the client instead of pooling a dead connection. The pool puts its own 'error'
      // listener back before ours goes, so a late error still has a listener.
      conn.release(lost.signal.aborted ? (lost.signal.reason as Error) : undefined);
      conn.off('error', onError);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Connection failures become UPSTREAM errors naming the (redacted) server; SQL errors pass through. */
  private async wrap<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || /timeout/i.test((e as Error).message)) {
        throw new AppError('UPSTREAM', `PostgreSQL at ${this.describe()} is unreachable: ${(e as Error).message}`, { cause: e });
      }
      throw e;
    }
  }
}
