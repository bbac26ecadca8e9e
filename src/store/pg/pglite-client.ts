/**
 * SqlClient over embedded PGlite (WASM PostgreSQL in this process). PGlite has a single connection, so
 * `session()` simply runs on it; `transaction()` uses PGlite's own transaction, which queues other queries
 * until it finishes. A query without parameters goes through `exec` (simple protocol) so migration files
 * with several statements work the same way as on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { AppError } from '../../errors.ts';
import { NEVER_LOST, type SqlClient } from './sql-client.ts';

/** The lock's name: `aftershock.lock.<generation>` (a bare `aftershock.lock`, as earlier versions wrote it, is generation 0). */
export const LOCK_FILE = 'aftershock.lock';
const GENERATION = /^aftershock\.lock(?:\.(\d+))?$/;
/** Rounds of a contended take-over before giving up (each round only repeats when another process moved first). */
const MAX_LOCK_ROUNDS = 50;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Generation {
  gen: number;
  file: string;
}

/** The lock files in the directory, newest generation first. */
function generations(dataDir: string): Generation[] {
  return readdirSync(dataDir)
    .map((name) => ({ m: GENERATION.exec(name), name }))
    .filter((x) => x.m !== null)
    .map(({ m, name }) => ({ gen: m![1] === undefined ? 0 : Number(m![1]), file: path.join(dataDir, name) }))
    .sort((a, b) => b.gen - a.gen);
}

/** The pid in a lock file; null when the file is gone (released meanwhile). Garbage reads as 0: nobody. */
function holderOf(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * PGlite has no multi-process locking: two processes on one data directory corrupt it (and the second would
 * mark the first one's running analyses interrupted). So one process at a time holds a lock file with its pid.
 *
 * Taking over the file of a dead process must not be racy: "read the stale pid, delete the file, create ours" let
 * two processes starting together both win (one deleted the other's fresh file). Instead each take-over creates a
 * new file, one generation above the newest: `link()` of a file that already holds our pid is atomic and fails if
 * that generation exists, so exactly one contender gets each generation, and the pid is in it from the first
 * instant. The lock is the newest generation whose process is alive. A contender that finds a newer generation
 * after taking its own (it had read an older listing) steps back; the winner removes the older, stale ones.
 */
export function lockDataDir(dataDir: string): () => void {
  for (let round = 0; round < MAX_LOCK_ROUNDS; round++) {
    const seen = generations(dataDir);
    const newest = seen[0];
    if (newest) {
      const pid = holderOf(newest.file);
      if (pid === null) continue; // released while we looked
      if (pid === process.pid) throw new AppError('BAD_INPUT', `the embedded store ${dataDir} is already open in this process`);
      if (pid > 0 && processAlive(pid)) {
        throw new AppError('BAD_INPUT', `the embedded store ${dataDir} is in use by process ${pid}; stop it, or set AFTERSHOCK_DATA_DIR to another directory`);
      }
    }
    const mine = path.join(dataDir, `${LOCK_FILE}.${(newest?.gen ?? 0) + 1}`);
    const draft = path.join(dataDir, `${LOCK_FILE}.draft-${process.pid}-${randomBytes(4).toString('hex')}`);
    writeFileSync(draft, String(process.pid), { flag: 'wx' });
    try {
      linkSync(draft, mine);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // another contender took this generation
      throw e;
    } finally {
      rmSync(draft, { force: true });
    }
    const mineGen = (newest?.gen ?? 0) + 1;
    if (generations(dataDir).some((g) => g.gen > mineGen)) {
      rmSync(mine, { force: true });
      continue;
    }
    for (const g of seen) rmSync(g.file, { force: true });
    return () => rmSync(mine, { force: true });
  }
  throw new AppError('BAD_INPUT', `cannot lock the embedded store ${dataDir}: other processes kept taking and releasing it; try again`);
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
