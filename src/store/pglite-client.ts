/**
 * SqlClient over embedded PGlite (WASM PostgreSQL in this process). PGlite has a single connection, so
 * `session()` simply runs on it; `transaction()` uses PGlite's own transaction, which queues other queries
 * until it finishes. A query without parameters goes through `exec` (simple protocol) so migration files
 * with several statements work the same way as on PostgreSQL.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { AppError } from '../errors.ts';
import type { SqlClient } from './sql-client.ts';

type Queryable = Pick<PGlite, 'query' | 'exec'> | Transaction;

async function run<T>(db: Queryable, sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
  if (params === undefined || params.length === 0) {
    const results = await db.exec(sql);
    return { rows: (results.at(-1)?.rows ?? []) as T[] };
  }
  const result = await db.query<T>(sql, params);
  return { rows: result.rows };
}

/** A client bound to one open PGlite transaction: nested transactions/sessions run inline. */
function transactionClient(tx: Transaction): SqlClient {
  const client: SqlClient = {
    kind: 'pglite',
    query: (sql, params) => run(tx, sql, params),
    transaction: (fn) => fn(client),
    session: (fn) => fn(client),
    close: async () => undefined,
  };
  return client;
}

export class PgliteClient implements SqlClient {
  readonly kind = 'pglite' as const;
  private constructor(private readonly db: PGlite) {}

  /** Opens (creating if needed) a data directory, or `memory://` for a throwaway database. */
  static async open(dataDir: string): Promise<PgliteClient> {
    try {
      if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
      return new PgliteClient(await PGlite.create(dataDir));
    } catch (e) {
      throw new AppError('UPSTREAM', `cannot open the embedded store at ${dataDir}: ${(e as Error).message}`, { cause: e });
    }
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    return run<T>(this.db, sql, params);
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(transactionClient(tx)));
  }

  session<T>(fn: (conn: SqlClient) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
