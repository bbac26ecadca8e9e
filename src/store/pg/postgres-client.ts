/**
 * SqlClient over a real PostgreSQL (`DATABASE_URL`) through a `pg` Pool. `transaction()` and `session()`
 * check out one dedicated client so BEGIN…COMMIT and session state (advisory locks) stay on one connection.
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

function connectionClient(conn: pg.PoolClient): SqlClient {
  const client: SqlClient = {
    kind: 'postgres',
    query: (sql, params) => run(conn, sql, params),
    transaction: async (fn) => {
      await conn.query('BEGIN');
      try {
        const out = await fn(client);
        await conn.query('COMMIT');
        return out;
      } catch (e) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },
    session: (fn) => fn(client),
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

  async session<T>(fn: (conn: SqlClient) => Promise<T>): Promise<T> {
    const conn = await this.wrap(() => this.pool.connect());
    try {
      return await fn(connectionClient(conn));
    } finally {
      conn.release();
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
