/**
 * SqlClient over PGlite running in its own worker thread (./pglite-thread.js). Same database, same semantics as
 * PgliteClient (one connection; `session()` runs inline; a transaction queues other queries until it ends), but
 * the WASM engine's CPU time and its synchronous file I/O stay off the HTTP event loop: storing a finished
 * report, or reading chart series, never stalls GET /v1/verdict. The service uses this one; PgliteClient
 * remains for in-process uses (tests, notebooks).
 */
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../errors.ts';
import { lockDataDir } from './pglite-client.ts';
import { NEVER_LOST, type SqlClient } from './sql-client.ts';

const THREAD_URL = new URL('./pglite-thread.js', import.meta.url);

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type ErrorFields = { message: string } & Record<string, string>;

function toError(fields: ErrorFields): Error {
  return Object.assign(new Error(fields.message), fields);
}

export class PgliteWorkerClient implements SqlClient {
  readonly kind = 'pglite' as const;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly unlock: () => void,
  ) {
    worker.on('message', (m: { id: number; result?: unknown; error?: ErrorFields }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(toError(m.error));
      else p.resolve(m.result);
    });
    const fail = (why: string) => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new AppError('INTERNAL', `embedded store thread ${why}`));
      this.pending.clear();
    };
    worker.on('error', (e) => fail(`crashed: ${e.message}`));
    worker.on('exit', (code) => fail(`exited (code ${code})`));
  }

  /** Opens (creating if needed) a data directory, or `memory://` for a throwaway database. */
  static async open(dataDir: string): Promise<PgliteWorkerClient> {
    let unlock = () => undefined as void;
    if (!dataDir.startsWith('memory://')) {
      mkdirSync(dataDir, { recursive: true });
      unlock = lockDataDir(dataDir);
    }
    const client = new PgliteWorkerClient(new Worker(THREAD_URL), unlock);
    try {
      await client.call('open', { dataDir });
      return client;
    } catch (e) {
      await client.close().catch(() => undefined);
      throw new AppError('UPSTREAM', `cannot open the embedded store at ${dataDir}: ${(e as Error).message}`, { cause: e });
    }
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> {
    return this.call('query', { sql, params }).then((rows) => ({ rows: rows as T[] }));
  }

  async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    const tx = (await this.call('begin', {})) as number;
    const client: SqlClient = {
      kind: 'pglite',
      query: <R>(sql: string, params?: unknown[]) => this.call('query', { sql, params, tx }).then((rows) => ({ rows: rows as R[] })),
      transaction: (inner) => inner(client),
      session: (inner) => inner(client, NEVER_LOST),
      close: async () => undefined,
    };
    let out: T;
    try {
      out = await fn(client);
    } catch (e) {
      await this.call('end', { tx, commit: false }).catch(() => undefined);
      throw e;
    }
    await this.call('end', { tx, commit: true });
    return out;
  }

  session<T>(fn: (conn: SqlClient, lost: AbortSignal) => Promise<T>): Promise<T> {
    return fn(this, NEVER_LOST);
  }

  async close(): Promise<void> {
    try {
      if (!this.closed) await this.call('close', {});
    } finally {
      this.closed = true;
      await this.worker.terminate();
      this.unlock();
    }
  }

  private call(op: string, args: Record<string, unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError('INTERNAL', 'the embedded store is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, ...args });
    });
  }
}
