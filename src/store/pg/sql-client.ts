/**
 * The one SQL seam of the store: PGlite (embedded, default) and PostgreSQL (`DATABASE_URL`) both implement it,
 * so every store (reports, audit log, guard state) is written once and tested against both.
 * Migrations are numbered files in src/store/migrations/ (`0001-reports.sql`, `0100-actions.sql`, …) applied in
 * order on start and recorded in a `schema_migrations` table.
 */
export interface SqlClient {
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs fn inside BEGIN … COMMIT (ROLLBACK on throw) on one connection. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * Runs fn on one dedicated connection (for session-scoped state such as advisory locks). `lost` is aborted, with
   * the error as its reason, when the server ends that connection (a restart, a failover, an idle timeout,
   * `pg_terminate_backend`): whatever the session held — an advisory lock — is gone from then on. PGlite's one
   * in-process connection is never lost.
   */
  session<T>(fn: (conn: SqlClient, lost: AbortSignal) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The `lost` signal of a connection that cannot be lost (PGlite runs in this process). */
export const NEVER_LOST: AbortSignal = new AbortController().signal;
