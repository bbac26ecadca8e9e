/**
 * The embedded store's data-directory lock under real concurrency (issue 14): several processes start at the
 * same instant against a directory whose lock file was left by a dead process. Exactly one may take it, every
 * round. (With a read-then-remove takeover, two took it in 4 of 42 rounds.)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/store/pg/pglite-client.ts';

const CONTENDER = path.resolve(__dirname, 'fixtures/lock-contender.ts');
const PROCESSES = 4;
const ROUNDS = 100;
/** Above any pid_max: never a live process (the lock of a crashed one). */
const DEAD_PID = '2147483646';
const root = mkdtempSync(path.join(tmpdir(), 'aftershock-lock-race-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('PGlite data directory lock under concurrent starts', () => {
  it(`lets exactly one of ${PROCESSES} processes take a stale lock, in each of ${ROUNDS} rounds`, { timeout: 300_000 }, async () => {
    const control = path.join(root, 'control');
    mkdirSync(control, { recursive: true });
    const children = Array.from({ length: PROCESSES }, (_, id) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CONTENDER, root, String(id), String(ROUNDS)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      return { child, err: () => err, exited: new Promise<number | null>((r) => child.on('exit', r)) };
    });
    const doubles: number[] = [];
    const oddRefusals: string[] = [];
    try {
      for (let r = 0; r < ROUNDS; r++) {
        const data = path.join(root, `data-${r}`);
        mkdirSync(data);
        writeFileSync(path.join(data, LOCK_FILE), DEAD_PID);
        writeFileSync(path.join(control, `go-${r}`), '');
        const results = Array.from({ length: PROCESSES }, (_, id) => path.join(control, `result-${r}-${id}`));
        await until(`round ${r} results (${children.map((c) => c.err()).join(' ')})`, () => results.every((f) => existsSync(f)));
        const outcomes = results.map((f) => readFileSync(f, 'utf8'));
        const locked = outcomes.filter((o) => o === 'locked').length;
        if (locked !== 1) doubles.push(r);
        // The others are told who holds it, not something vaguer.
        oddRefusals.push(...outcomes.filter((o) => o !== 'locked' && !/is in use by process \d+/.test(o)).map((o) => `round ${r}: ${o}`));
        writeFileSync(path.join(control, `release-${r}`), '');
        await until(`round ${r} to finish`, () => Array.from({ length: PROCESSES }, (_, id) => path.join(control, `done-${r}-${id}`)).every((f) => existsSync(f)));
        // Released: nothing of the lock is left behind (unless the round went wrong, which is counted above).
        if (locked === 1) expect(readdirSync(data)).toEqual([]);
      }
    } finally {
      for (const c of children) c.child.kill();
      await Promise.all(children.map((c) => c.exited));
    }
    expect(doubles, `rounds in which more or fewer than one process took the lock: ${doubles.join(', ')}`).toEqual([]);
    expect(oddRefusals).toEqual([]);
  });
});
