// Worker thread hosting embedded PGlite (WASM PostgreSQL), so its CPU work and synchronous file I/O never
// block the HTTP event loop. Plain JavaScript: it imports no TypeScript, so it needs no loader.
// Messages: { id, op: 'open' | 'query' | 'begin' | 'end' | 'close', ... } → { id, result } or { id, error }.
import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const ROLLBACK = Symbol('rollback');
const transactions = new Map();
let db = null;
let nextTx = 1;

function reply(id, result) {
  parentPort.postMessage({ id, result });
}

function replyError(id, e) {
  const error = { message: e instanceof Error ? e.message : String(e) };
  // PostgreSQL error fields (code 23505 and so on) travel with the message.
  for (const k of ['code', 'detail', 'hint', 'severity', 'constraint', 'table', 'column', 'schema']) {
    if (e && typeof e[k] === 'string') error[k] = e[k];
  }
  parentPort.postMessage({ id, error });
}

async function run(target, sql, params) {
  if (!params || params.length === 0) {
    const results = await target.exec(sql);
    return results.at(-1)?.rows ?? [];
  }
  return (await target.query(sql, params)).rows;
}

/** Opens a PGlite transaction that stays open until an `end` message commits or rolls it back. */
function begin(id) {
  const txId = nextTx++;
  const state = { tx: null, finish: null, outcome: null };
  const decided = new Promise((resolve) => (state.finish = resolve));
  transactions.set(txId, state);
  state.outcome = db
    .transaction(async (tx) => {
      state.tx = tx;
      reply(id, txId);
      if (!(await decided)) throw ROLLBACK;
    })
    .then(
      () => null,
      (e) => (e === ROLLBACK ? null : e),
    );
  void state.outcome.then((e) => {
    if (state.tx === null) {
      // It never started (closed database and the like): answer the `begin` with the error.
      transactions.delete(txId);
      replyError(id, e ?? new Error('transaction did not start'));
    }
  });
}

parentPort.on('message', async (m) => {
  try {
    switch (m.op) {
      case 'open':
        db = await PGlite.create(m.dataDir);
        return reply(m.id, null);
      case 'query': {
        const target = m.tx ? transactions.get(m.tx)?.tx : db;
        // Inside a transaction, PGlite queues queries on `db` until it ends: callers use the tx client.
        if (!target) throw new Error(`transaction ${m.tx} is not open`);
        return reply(m.id, await run(target, m.sql, m.params));
      }
      case 'begin':
        return begin(m.id);
      case 'end': {
        const t = transactions.get(m.tx);
        if (!t || !t.tx) throw new Error(`transaction ${m.tx} is not open`);
        t.finish(m.commit);
        const error = await t.outcome;
        transactions.delete(m.tx);
        if (error) throw error;
        return reply(m.id, null);
      }
      case 'close':
        if (db && !db.closed) await db.close();
        return reply(m.id, null);
      default:
        throw new Error(`unknown op ${m.op}`);
    }
  } catch (e) {
    replyError(m.id, e);
  }
});
