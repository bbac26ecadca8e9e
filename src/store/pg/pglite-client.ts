/**
 * SqlClient over embedded PGlite (WASM PostgreSQL in this process). PGlite has a single connection, so
 * `session()` simply runs on it; `transaction()` uses PGlite's own transaction, which queues other queries
 * until it finishes. A query without parameters goes through `exec` (simple protocol) so migration files
 * with several statements work the same way as on PostgreSQL.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { AppError } from '../../errors.ts';
import { NEVER_LOST, type SqlClient } from './sql-client.ts';

export const LOCK_FILE = 'aftershock.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no multi-process locking: two processes on one data directory corrupt it (and the second would
 * mark the first one's running analyses interrupted). A pid file taken with O_EXCL refuses a second process;
 * a file left by a dead process is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new AppError('BAD_INPUT', `the embedded store ${dataDir} is in use by process ${pid}; stop it, or set AFTERSHOCK_DATA_DIR to another directory`);
      }
      if (pid === process.pid) {
        throw new AppError('BAD_INPUT', `the embedded store ${dataDir} is already open in this process`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new AppError('BAD_INPUT', `cannot lock the embedded store ${dataDir}`);
}

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
    session: (fn) => fn(client, NEVER_LOST),
    close: async () => undefined,
  };
  return client;
}

export class PgliteClient implements SqlClient {
  readonly kind = 'pglite' as const;
  private constructor(
    private readonly db: PGlite,
    private readonly unlock: () => void,
  ) {}

  /** Opens (creating if needed) a data directory, or `memory://` for a throwaway database. */
  static async open(dataDir: string): Promise<PgliteClient> {
    let unlock = () => undefined as void;
    if (!dataDir.startsWith('memory://')) {
      mkdirSync(dataDir, { recursive: true });
      unlock = lockDataDir(dataDir);
    }
    try {
      return new PgliteClient(await PGlite.create(dataDir), unlock);
    } catch (e) {
      unlock();
      throw new AppError('UPSTREAM', `cannot open the embedded store at ${dataDir}: ${(e as Error).message}`, { cause: e });
    }
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    return run<T>(this.db, sql, params);
  }

  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(transactionClient(tx)));
  }

  session<T>(fn: (conn: SqlClient, lost: AbortSignal) => Promise<T>): Promise<T> {
    return fn(this, NEVER_LOST);
  }

  async close(): Promise<void> {
    try {
      if (!this.db.closed) await this.db.close();
    } finally {
      this.unlock();
    }
  }
}
