/**
 * What a task handler module exports for the thread pool: `export default defineTask(async (data) => { …load…;
 * return async (input, ctx) => output; })`. The factory runs once per worker thread, before the thread reports
 * ready (so what it loads never counts against a task's timeout); the function it returns runs each task.
 */
import type { TransferListItem } from 'node:worker_threads';

export interface TaskContext<Msg> {
  /** Sends a message to the caller's `onMessage` while the task runs (progress, log lines, warnings). */
  post(message: Msg, transfer?: readonly TransferListItem[]): void;
}

const TRANSFER = Symbol('transfer');

/** A task's output with the buffers to move (not copy) to the caller; see withTransfer. */
export interface Transferred<Out> {
  readonly [TRANSFER]: true;
  readonly value: Out;
  readonly transfer: readonly TransferListItem[];
}

export type TaskRunner<In, Out, Msg = never> = (input: In, ctx: TaskContext<Msg>) => Promise<Out | Transferred<Out>>;
export type TaskFactory<Data, In, Out, Msg = never> = (data: Data) => TaskRunner<In, Out, Msg> | Promise<TaskRunner<In, Out, Msg>>;

/** Identity, for type inference in handler modules. */
export function defineTask<Data, In, Out, Msg = never>(factory: TaskFactory<Data, In, Out, Msg>): TaskFactory<Data, In, Out, Msg> {
  return factory;
}

/** Returns `value` with its typed arrays' buffers moved to the caller instead of copied (they are unusable here afterwards). */
export function withTransfer<Out>(value: Out, transfer: readonly TransferListItem[]): Transferred<Out> {
  return { [TRANSFER]: true, value, transfer };
}

export function unwrapOutput<Out>(output: Out | Transferred<Out>): { value: Out; transfer: readonly TransferListItem[] } {
  if (typeof output === 'object' && output !== null && TRANSFER in output) return { value: output.value, transfer: output.transfer };
  return { value: output as Out, transfer: [] };
}
