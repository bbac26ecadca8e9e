/**
 * Background pool threads lower their own CPU priority and only their own (src/worker/thread-priority.ts): the
 * main thread, whose event loop answers verdict polls, keeps its priority (issue 12).
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { moduleUrl, ThreadPool } from '../../src/worker/thread-pool.ts';
import { BACKGROUND_NICENESS, currentThreadId, lowerThreadPriority } from '../../src/worker/thread-priority.ts';
import type { ThreadPriority } from './fixtures/priority-task.ts';

const TASK = moduleUrl('./fixtures/priority-task.ts', import.meta.url);
const linux = process.platform === 'linux';

let pool: ThreadPool<null, ThreadPriority, never> | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('thread priority', () => {
  it.runIf(linux)('names the calling thread by its kernel id (the main thread: the process id)', () => {
    expect(currentThreadId()).toBe(process.pid);
  });

  it.runIf(linux)('a pool with a niceness runs its tasks at that nice value; the main thread keeps its own', async () => {
    const before = os.getPriority(process.pid);
    pool = new ThreadPool<null, ThreadPriority, never>({ module: TASK, size: 1, queueLimit: 1, name: 'test', niceness: Math.max(before, BACKGROUND_NICENESS) });
    const seen = await pool.run(null);
    expect(seen.tid).not.toBe(process.pid);
    expect(seen.niceness).toBe(Math.max(before, BACKGROUND_NICENESS));
    expect(os.getPriority(process.pid)).toBe(before);
  });

  it.runIf(linux)('a pool without one leaves its threads at the process priority', async () => {
    pool = new ThreadPool<null, ThreadPriority, never>({ module: TASK, size: 1, queueLimit: 1, name: 'test' });
    expect((await pool.run(null)).niceness).toBe(os.getPriority(process.pid));
  });

  it('never raises a priority (lowering a nice value needs privileges) and never throws', () => {
    // Asked for a nice value below the current one: nothing to do, and true on Linux (already at least that low).
    const before = os.getPriority(process.pid);
    expect(lowerThreadPriority(-20)).toBe(linux);
    expect(os.getPriority(process.pid)).toBe(before);
  });
});
