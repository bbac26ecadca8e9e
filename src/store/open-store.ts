/**
 * Opens the configured store: PostgreSQL when a database URL is given, embedded PGlite (in a worker thread) otherwise;
 * applies migrations before anything reads or writes.
 */
import { migrate } from './pg/migrate.ts';
import { PgliteWorkerClient } from './pg/pglite-worker-client.ts';
import { PgReportStore } from './pg/pg-report-store.ts';
import { PostgresClient } from './pg/postgres-client.ts';
import type { SqlClient } from './pg/sql-client.ts';

export interface OpenStoreOptions {
  /** PostgreSQL connection URL (DATABASE_URL); embedded PGlite when absent. */
  databaseUrl?: string;
  /** PGlite data directory (or memory://). */
  dataDir: string;
}

export interface OpenedStore {
  sql: SqlClient;
  store: PgReportStore;
  /** Where the data lives, without credentials. */
  description: string;
}

export async function openStore(options: OpenStoreOptions): Promise<OpenedStore> {
  let sql: SqlClient;
  let description: string;
  if (options.databaseUrl) {
    const pg = new PostgresClient(options.databaseUrl);
    sql = pg;
    description = `PostgreSQL ${pg.describe()}`;
  } else {
    // In its own thread: the engine's CPU time and synchronous file I/O stay off the HTTP event loop.
    sql = await PgliteWorkerClient.open(options.dataDir);
    description = `PGlite ${options.dataDir}`;
  }
  try {
    await migrate(sql);
  } catch (e) {
    await sql.close().catch(() => undefined);
    throw e;
  }
  return { sql, store: new PgReportStore(sql), description };
}
