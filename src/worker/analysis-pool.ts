/**
 * A bounded pool of worker threads running analyses. At most `size` run at once and at most `queueLimit`
 * wait; past that `reserve()` throws BUSY (HTTP 429). Each analysis gets `timeoutMs` from the moment a worker
 * picks it up: on expiry the worker is terminated (the only way to stop synchronous number crunching) and
 * replaced, and the job fails with TIMEOUT.
 */
import { Worker } from 'node:worker_threads';
import type { AnalysisResult } from '../analysis/types.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { AnalysisRequest } from '../runtime/run-analysis.ts';
import type { RunMessage, WorkerMessage } from './messages.ts';

export const DEFAULT_WORKER_URL = new URL('./analysis-worker.js', import.meta.url);

export interface PoolOptions {
  size: number;
  queueLimit: number;
  timeoutMs: number;
  config: Config;
  /** File URL of a module whose default export replaces runAnalysis inside the workers (tests, benchmarks). */
  runnerModule?: string;
  workerUrl?: URL;
}

export interface JobHandlers {
  /** A worker picked the job up. */
  onStart?: () => void;
  onProgress?: (fraction: number) => void;
  onLog?: (message: string) => void;
}

interface Job {
  id: number;
  request: AnalysisRequest;
  handlers: JobHandlers;
  resolve: (r: AnalysisResult) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/** A place in the pool held between admission and submit, so a caller can do async work (store a record) first. */
export interface Reservation {
  submit(request: AnalysisRequest, handlers?: JobHandlers): Promise<AnalysisResult>;
  release(): void;
}

export class AnalysisPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private reserved = 0;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  get queued(): number {
    return this.queue.length;
  }
  get running(): number {
    return this.slots.filter((s) => s.job !== null).length;
  }
  get capacity(): number {
    return this.options.size + this.options.queueLimit;
  }

  /** Holds a place or throws BUSY when `size` analyses run and `queueLimit` wait already. */
  reserve(): Reservation {
    if (this.closed) throw new AppError('BUSY', 'the service is shutting down');
    if (this.running + this.queued + this.reserved >= this.capacity) {
      throw new AppError('BUSY', `analysis queue is full (${this.options.size} running, ${this.options.queueLimit} waiting); retry later`);
    }
    this.reserved += 1;
    let used = false;
    const take = () => {
      if (used) throw new Error('reservation used twice');
      used = true;
      this.reserved -= 1;
    };
    return {
      submit: (request, handlers = {}) => {
        take();
        return this.enqueue(request, handlers);
      },
      release: () => {
        if (!used) take();
      },
    };
  }

  submit(request: AnalysisRequest, handlers: JobHandlers = {}): Promise<AnalysisResult> {
    return this.reserve().submit(request, handlers);
  }

  /** Terminates all workers; running and queued jobs reject with `reason`. */
  async close(reason = 'interrupted: the service shut down'): Promise<void> {
    this.closed = true;
    const error = new AppError('INTERNAL', reason);
    for (const job of this.queue.splice(0)) job.reject(error);
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        if (slot.timer) clearTimeout(slot.timer);
        const job = slot.job;
        slot.job = null;
        job?.reject(error);
        await slot.worker.terminate();
      }),
    );
  }

  private enqueue(request: AnalysisRequest, handlers: JobHandlers): Promise<AnalysisResult> {
    if (this.closed) return Promise.reject(new AppError('BUSY', 'the service is shutting down'));
    return new Promise<AnalysisResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, handlers, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot) {
        if (this.slots.length >= this.options.size) return;
        slot = this.spawn();
      }
      this.start(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.workerUrl ?? DEFAULT_WORKER_URL);
    const slot: Slot = { worker, job: null, timer: null };
    worker.on('message', (msg: WorkerMessage) => this.onMessage(slot, msg));
    worker.on('error', (e) => this.retire(slot, new AppError('INTERNAL', `analysis worker crashed: ${e.message}`)));
    worker.on('exit', (code) => this.retire(slot, new AppError('INTERNAL', `analysis worker exited unexpectedly (code ${code})`)));
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.timer = setTimeout(() => {
      const seconds = Math.round(this.options.timeoutMs / 100) / 10;
      this.retire(slot, new AppError('TIMEOUT', `analysis timed out after ${seconds} s (pool.timeoutMs)`));
      void slot.worker.terminate();
    }, this.options.timeoutMs);
    const msg: RunMessage = { type: 'run', jobId: job.id, request: job.request, config: this.options.config, module: this.options.runnerModule };
    slot.worker.postMessage(msg);
    job.handlers.onStart?.();
  }

  private onMessage(slot: Slot, msg: WorkerMessage): void {
    const job = slot.job;
    if (!job || msg.jobId !== job.id) return;
    if (msg.type === 'progress') job.handlers.onProgress?.(msg.fraction);
    else if (msg.type === 'log') job.handlers.onLog?.(msg.message);
    else {
      this.finish(slot);
      if (msg.type === 'result') job.resolve(msg.result);
      else job.reject(new AppError(msg.code, msg.message));
      this.dispatch();
    }
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** Removes a dead or timed-out worker from the pool, fails its job and lets a fresh worker take the queue. */
  private retire(slot: Slot, error: AppError): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const job = slot.job;
    this.finish(slot);
    slot.worker.removeAllListeners('message');
    job?.reject(error);
    this.dispatch();
  }
}
