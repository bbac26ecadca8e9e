/** Messages between a ThreadPool (main thread) and thread-main.ts in its workers. Plain data only. */
import type { ErrorCode } from '../errors.ts';

/** workerData of every pool thread: the task handler module to load once, and what its factory receives. */
export interface ThreadData {
  module: string;
  data: unknown;
  /** Nice value the thread gives itself before loading the module (./thread-priority.ts); absent: unchanged. */
  niceness?: number;
}

/** Pool → thread: run one task. */
export interface TaskRequest {
  id: number;
  input: unknown;
}

/**
 * Thread → pool. `ready` once the handler module is loaded and set up, so a task's timeout never counts the
 * thread's start-up; `message` is anything a running task posts (progress, log lines, warnings).
 */
export type ThreadReply =
  | { type: 'ready' }
  | { type: 'message'; id: number; message: unknown }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; code: ErrorCode; message: string };
