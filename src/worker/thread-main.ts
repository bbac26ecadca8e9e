/**
 * The one worker-thread entry of every ThreadPool: loads the task handler module named in workerData once,
 * runs its factory, posts `ready`, then runs one task per request. Errors travel as { code, message } only: no
 * stack crosses to clients.
 */
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { isAppError } from '../errors.ts';
import type { TaskRequest, ThreadData, ThreadReply } from './protocol.ts';
import { unwrapOutput, type TaskFactory } from './task.ts';
import { lowerThreadPriority } from './thread-priority.ts';

const port = parentPort;
if (!port) throw new Error('thread-main.ts must run in a worker thread (started by ThreadPool)');
const { module, data, niceness } = workerData as ThreadData;
if (niceness !== undefined) lowerThreadPriority(niceness);

function post(reply: ThreadReply, transfer: readonly TransferListItem[] = []): void {
  port!.postMessage(reply, transfer);
}

// A failure here (module not found, a throwing factory) ends the thread with an 'error' event before `ready`.
const factory = ((await import(module)) as { default: TaskFactory<unknown, unknown, unknown, unknown> }).default;
const run = await factory(data);

async function handle({ id, input }: TaskRequest): Promise<void> {
  try {
    const output = await run(input, { post: (message, transfer) => post({ type: 'message', id, message }, transfer) });
    const { value, transfer } = unwrapOutput(output);
    post({ type: 'result', id, value }, transfer);
  } catch (e) {
    post({ type: 'error', id, code: isAppError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
  }
}

port.on('message', (request: TaskRequest) => void handle(request));
post({ type: 'ready' });
