/**
 * The thread pool (src/worker/thread-pool.ts) with real worker threads running the scripted task handler
 * (test/worker/fixtures/scripted-task.ts): ids, the bounded queue, timeouts that measure the task and not the
 * worker's start-up, replacement after a timeout or a crash, messages, transfers, close and error codes.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { moduleUrl, ThreadPool, type ThreadPoolOptions } from '../../src/worker/thread-pool.ts';
import type { ScriptedProgress, ScriptedTask, ScriptedTaskData } from './fixtures/scripted-task.ts';

const TASK = moduleUrl('./fixtures/scripted-task.ts', import.meta.url);
const BROKEN_TASK = moduleUrl('./fixtures/broken-task.ts', import.meta.url);

type Pool = ThreadPool<ScriptedTask, unknown, ScriptedProgress>;
let pool: Pool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function makePool(options: Partial<ThreadPoolOptions> & { data?: ScriptedTaskData } = {}): Pool {
  pool = new ThreadPool({ module: TASK, size: 1, queueLimit: 4, timeoutMs: 20_000, name: 'test', ...options });
  return pool;
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('ThreadPool (real worker threads)', () => {
  it('starts workers only for waiting tasks and hands each caller the output of its own task', async () => {
    const p = makePool({ size: 3, queueLimit: 10 });
    expect(p.threads).toBe(0);
    expect(await p.run({ action: 'echo', value: 'first' })).toBe('first');
    expect(p.threads).toBe(1);
    // Later tasks finish first: outputs are matched to tasks by id, not by order.
    const values = [0, 1, 2, 3, 4, 5, 6, 7];
    const outputs = await Promise.all(values.map((value) => p.run({ action: 'echo', value, delayMs: (8 - value) * 30 })));
    expect(outputs).toEqual(values);
    expect(p.threads).toBe(3);
    expect(p.running + p.queued).toBe(0);
  });

  it('bounds the queue: size running + queueLimit waiting, then BUSY; a reservation holds a place', async () => {
    const p = makePool({ size: 1, queueLimit: 1 });
    const tasks = [p.run({ action: 'sleep', ms: 300 }), p.run({ action: 'sleep', ms: 300 })];
    expect(() => p.run({ action: 'echo', value: 1 })).toThrow(expect.objectContaining({ code: 'BUSY', message: 'test queue is full (1 running, 1 waiting); retry later' }));
    expect(p.running + p.queued).toBe(2);
    await Promise.all(tasks);
    const place = p.reserve();
    p.reserve().release();
    const second = p.reserve();
    expect(() => p.reserve()).toThrow(expect.objectContaining({ code: 'BUSY' }));
    second.release();
    expect(await place.run({ action: 'echo', value: 'held' })).toBe('held');
    expect(() => place.run({ action: 'echo', value: 'again' })).toThrow('reservation used twice');
  });

  it('does not count a worker\'s start-up against a task\'s timeout, neither the first worker\'s nor a fresh one\'s', async () => {
    // Every worker takes 1.5 s to load the handler module: longer than the 0.8 s a task may take.
    const p = makePool({ timeoutMs: 800, data: { loadDelayMs: 1500 } });
    expect(await p.run({ action: 'echo', value: 'on time' })).toBe('on time');
    const e = await rejection(p.run({ action: 'spin' }));
    expect(e).toMatchObject({ code: 'TIMEOUT', message: 'test timed out after 0.8 s' });
    expect(await p.run({ action: 'echo', value: 'fresh worker' })).toBe('fresh worker');
  });

  it('terminates a worker stuck in synchronous code at the timeout and runs the waiting tasks on a fresh one', async () => {
    const p = makePool({ timeoutMs: 500 });
    const before = await p.run({ action: 'thread' });
    const t0 = Date.now();
    const [stuck, waiting] = await Promise.all([rejection(p.run({ action: 'spin' })), p.run({ action: 'thread' })]);
    expect(stuck).toMatchObject({ code: 'TIMEOUT', message: 'test timed out after 0.5 s' });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(waiting).not.toBe(before);
    expect(p.threads).toBe(1);
  });

  it('fails the task of a crashed worker and replaces the worker', async () => {
    const p = makePool();
    const before = await p.run({ action: 'thread' });
    const e = await rejection(p.run({ action: 'crash' }));
    expect(e).toMatchObject({ code: 'INTERNAL', message: 'test worker exited unexpectedly (code 3)' });
    expect(await p.run({ action: 'thread' })).not.toBe(before);
  });

  it('keeps the code and message of an error thrown by a task, and no stack of the worker', async () => {
    const p = makePool();
    const upstream = await rejection(p.run({ action: 'fail', code: 'UPSTREAM', message: 'scripted upstream failure' }));
    expect(upstream).toMatchObject({ code: 'UPSTREAM', message: 'scripted upstream failure' });
    expect(upstream.stack).not.toContain('scripted-task');
    expect(await rejection(p.run({ action: 'throw', message: 'plain failure' }))).toMatchObject({ code: 'INTERNAL', message: 'plain failure' });
    // The worker survives failed tasks.
    expect(await p.run({ action: 'echo', value: 'still here' })).toBe('still here');
    expect(p.threads).toBe(1);
  });

  it('passes what a running task posts to the caller, in order and before the output; onStart names the worker', async () => {
    const p = makePool({ size: 2 });
    const events: string[] = [];
    const output = await p.run({ action: 'progress', steps: 4 }, { onStart: (w) => events.push(`start ${w}`), onMessage: (m) => events.push(`step ${m.step}`) });
    events.push(String(output));
    expect(events).toEqual(['start 0', 'step 1', 'step 2', 'step 3', 'step 4', 'progressed']);
  });

  it('moves transferred buffers instead of copying them, both ways', async () => {
    const p = makePool();
    const input = new Float64Array([1, 2, 3]);
    const output = (await p.run({ action: 'double', values: input }, { transfer: [input.buffer] })) as Float64Array;
    expect(input.byteLength).toBe(0);
    expect(Array.from(output)).toEqual([2, 4, 6]);
    expect(await p.run({ action: 'last-output-detached' })).toBe(true);
  });

  it('passes resourceLimits to its workers', async () => {
    const p = makePool({ resourceLimits: { maxOldGenerationSizeMb: 64 } });
    expect(await p.run({ action: 'limits' })).toMatchObject({ maxOldGenerationSizeMb: 64 });
  });

  it('rejects running and waiting tasks on close and answers BUSY afterwards', async () => {
    const p = makePool({ size: 1, queueLimit: 1 });
    const running = rejection(p.run({ action: 'sleep', ms: 30_000 }));
    const waiting = rejection(p.run({ action: 'echo', value: 1 }));
    await new Promise((r) => setTimeout(r, 200));
    await p.close('interrupted: test shutdown');
    expect(await running).toMatchObject({ code: 'INTERNAL', message: 'interrupted: test shutdown' });
    expect(await waiting).toMatchObject({ code: 'INTERNAL', message: 'interrupted: test shutdown' });
    expect(() => p.run({ action: 'echo', value: 1 })).toThrow(expect.objectContaining({ code: 'BUSY', message: 'the service is shutting down' }));
    expect(p.threads).toBe(0);
  });

  it('fails the waiting tasks when the handler module does not load, instead of starting worker after worker', async () => {
    const p = makePool({ module: BROKEN_TASK, size: 2 });
    const errors = await Promise.all([1, 2, 3].map((value) => rejection(p.run({ action: 'echo', value }))));
    for (const e of errors) expect(e).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^test worker crashed: .*scripted load failure/) });
    expect(p.threads).toBe(0);
  });

  it('gives up on a worker that does not start within startTimeoutMs', async () => {
    const p = makePool({ startTimeoutMs: 300, data: { loadDelayMs: 30_000 } });
    expect(await rejection(p.run({ action: 'echo', value: 1 }))).toMatchObject({ code: 'TIMEOUT', message: 'test worker did not start within 0.3 s' });
    expect(p.threads).toBe(0);
  });

  it('does not keep the process alive with idle workers', async () => {
    const script = fileURLToPath(new URL('./fixtures/unclosed-pool.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 30_000 });
    expect(stdout.trim()).toBe('"done"');
  });
});

describe('moduleUrl', () => {
  it('names the .ts source from source and the compiled .js file from compiled code', () => {
    expect(moduleUrl('../runtime/analysis-task.ts', 'file:///app/src/worker/analysis-pool.ts').href).toBe('file:///app/src/runtime/analysis-task.ts');
    expect(moduleUrl('../runtime/analysis-task.ts', 'file:///app/dist/worker/analysis-pool.js').href).toBe('file:///app/dist/runtime/analysis-task.js');
  });
});

describe('ThreadPool resource limits (issue 14 item 4)', () => {
  it('fails a task whose worker reaches its heap limit with a clear error, replaces the worker and keeps serving', async () => {
    const p = makePool({ resourceLimits: { maxOldGenerationSizeMb: 48 } });
    const e = await rejection(p.run({ action: 'allocate' }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe('test ran out of memory: its worker reached the heap limit of 48 MB and was replaced (the service keeps running)');
    expect(await p.run({ action: 'echo', value: 'still serving' })).toBe('still serving');
  });

  it('gives every worker a heap limit by default', async () => {
    const { DEFAULT_RESOURCE_LIMITS } = await import('../../src/worker/thread-pool.ts');
    expect(await makePool().run({ action: 'limits' })).toMatchObject({ maxOldGenerationSizeMb: DEFAULT_RESOURCE_LIMITS.maxOldGenerationSizeMb });
  });
});
