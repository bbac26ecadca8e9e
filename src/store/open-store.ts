/**
 * Opens the configured store: PostgreSQL when a database URL is given, embedded PGlite (in a worker thread)
 * otherwise; applies migrations before anything reads or writes.
 */
import { migrate } from './pg/migrate.ts';
import { PgAuditLog } from './pg/pg-audit-log.ts';
import { PgGuardLog } from './pg/pg-guard-log.ts';
import { PgLocks } from './pg/pg-locks.ts';
import { PgNotificationLog } from './pg/pg-notification-log.ts';
import { PgReportStore } from './pg/pg-report-store.ts';
import { PgUpgradeStore } from './pg/pg-upgrade-store.ts';
import { PgliteWorkerClient } from './pg/pglite-worker-client.ts';
import { PostgresClient } from './pg/postgres-client.ts';
import type { SqlClient } from './pg/sql-client.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** PostgreSQL connection URL (DATABASE_URL); embedded PGlite when absent. */
  databaseUrl?: string;
  /** PGlite data directory (or memory://). */
  dataDir: string;
}

/** The SQL implementation of every store role over one client. */
export class PgStore implements Store {
  readonly reports: PgReportStore;
  readonly audit: PgAuditLog;
  readonly guardLog: PgGuardLog;
  readonly locks: PgLocks;
  readonly notifications: PgNotificationLog;
  readonly upgrades: PgUpgradeStore;

  constructor(
    /** The SQL seam itself, for migrations and tests; the rest of the program uses the roles above. */
    readonly sql: SqlClient,
    readonly description: string,
  ) {
    this.reports = new PgReportStore(sql);
    this.audit = new PgAuditLog(sql);
    this.guardLog = new PgGuardLog(sql);
    this.locks = new PgLocks(sql);
    this.notifications = new PgNotificationLog(sql);
    this.upgrades = new PgUpgradeStore(sql);
  }

  get kind(): 'pglite' | 'postgres' {
    return this.sql.kind;
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

export async function openStore(options: OpenStoreOptions): Promise<PgStore> {
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
  return new PgStore(sql, description);
}
