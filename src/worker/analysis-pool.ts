/**
 * The pool of worker threads running analyses: a ThreadPool of the analysis task (src/runtime/analysis-task.ts).
 * At most `size` run at once and at most `queueLimit` wait; past that `reserve()` throws BUSY (HTTP 429). Each
 * analysis gets `timeoutMs` from the moment a ready worker picks it up (a worker's start-up does not count): on
 * expiry the worker is terminated and replaced, and the job fails with TIMEOUT.
 */
import type { ResourceLimits } from 'node:worker_threads';
import type { AnalysisResult } from '../analysis/types.ts';
import type { Config } from '../config.ts';
import type { AnalysisTaskData, AnalysisTaskMessage } from '../runtime/analysis-task.ts';
import type { AnalysisRequest } from '../runtime/analysis-request.ts';
import { moduleUrl, ThreadPool, type TaskOptions } from './thread-pool.ts';
import { BACKGROUND_NICENESS } from './thread-priority.ts';

export const ANALYSIS_TASK_URL = moduleUrl('../runtime/analysis-task.ts', import.meta.url);

export interface PoolOptions {
  size: number;
  queueLimit: number;
  timeoutMs: number;
  config: Config;
  /** File URL of a module whose default export replaces runAnalysis inside the workers (tests, benchmarks). */
  runnerModule?: string;
  resourceLimits?: ResourceLimits;
  /** Nice value of the worker threads (config pool.niceness); default BACKGROUND_NICENESS. */
  niceness?: number;
}

export interface JobHandlers {
  /** A worker picked the job up. */
  onStart?: () => void;
  onProgress?: (fraction: number) => void;
  onLog?: (message: string) => void;
}

/** A place in the pool held between admission and submit, so a caller can do async work (store a record) first. */
export interface Reservation {
  submit(request: AnalysisRequest, handlers?: JobHandlers): Promise<AnalysisResult>;
  release(): void;
}

function taskOptions(handlers: JobHandlers): TaskOptions<AnalysisTaskMessage> {
  return {
    onStart: () => handlers.onStart?.(),
    onMessage: (msg) => {
      if (msg.type === 'progress') handlers.onProgress?.(msg.fraction);
      else handlers.onLog?.(msg.message);
    },
  };
}

export class AnalysisPool {
  private readonly pool: ThreadPool<AnalysisRequest, AnalysisResult, AnalysisTaskMessage>;

  constructor(options: PoolOptions) {
    const data: AnalysisTaskData = { config: options.config, runnerModule: options.runnerModule };
    this.pool = new ThreadPool({
      module: ANALYSIS_TASK_URL,
      data,
      size: options.size,
      queueLimit: options.queueLimit,
      timeoutMs: options.timeoutMs,
      resourceLimits: options.resourceLimits,
      // Analyses are background work: under contention the event loop answering polls gets the CPU first.
      niceness: options.niceness ?? BACKGROUND_NICENESS,
      name: 'analysis',
      messages: {
        timeout: (s) => `analysis timed out after ${s} s (pool.timeoutMs)`,
        outOfMemory: (mb) =>
          `analysis ran out of memory: its worker reached the heap limit${mb !== undefined ? ` of ${mb} MB` : ''} (pool.resourceLimits.maxOldGenerationSizeMb) ` +
          'and was replaced; raise the limit, or narrow the analysis (--service / --endpoint, a lower input.maxSeries)',
      },
    });
  }

  get queued(): number {
    return this.pool.queued;
  }
  get running(): number {
    return this.pool.running;
  }
  get capacity(): number {
    return this.pool.capacity;
  }

  /** Holds a place or throws BUSY when `size` analyses run and `queueLimit` wait already. */
  reserve(): Reservation {
    const place = this.pool.reserve();
    return {
      submit: (request, handlers = {}) => place.run(request, taskOptions(handlers)),
      release: () => place.release(),
    };
  }

  submit(request: AnalysisRequest, handlers: JobHandlers = {}): Promise<AnalysisResult> {
    return this.reserve().submit(request, handlers);
  }

  /** Terminates all workers; running and queued jobs reject with `reason`. */
  close(reason?: string): Promise<void> {
    return this.pool.close(reason);
  }
}
