/**
 * Draws report pages and charts in one persistent worker thread, so a Vega render (hundreds of ms of
 * synchronous work per report page) never blocks the event loop that answers verdict polls. The worker
 * starts on first use (its start-up does not count against a render's timeout); requests wait in a bounded queue and run one at a time, each with `timeoutMs` from
 * the moment the worker picks it up: on expiry the worker is terminated (the only way to stop synchronous
 * drawing) and a fresh one takes the rest of the queue. Errors keep the code and message the in-process
 * renderers throw.
 */
import { Worker } from 'node:worker_threads';
import type { RenderReply, RenderRequest, RenderTask } from '../worker/render-messages.ts';
import { AppError } from '../errors.ts';

export const DEFAULT_RENDER_WORKER_URL = new URL('../worker/render-worker.js', import.meta.url);
/** A report page of a large analysis draws in about a second here; far past that something is stuck. */
export const DEFAULT_RENDER_TIMEOUT_MS = 30_000;
/** Past this many waiting renders the client answers BUSY (429) instead of queueing without bound. */
export const DEFAULT_RENDER_QUEUE_LIMIT = 64;

export interface RenderClientOptions {
  timeoutMs?: number;
  queueLimit?: number;
  workerUrl?: URL;
}

interface Job {
  id: number;
  task: RenderTask;
  onWarning: (message: string) => void;
  resolve: (reply: Extract<RenderReply, { type: 'text' | 'png' }>) => void;
  reject: (e: unknown) => void;
}

export class RenderClient {
  private worker: Worker | null = null;
  /** The worker posted `ready` (tsx and the renderers are loaded). */
  private ready = false;
  private current: Job | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly queueLimit: number;

  constructor(private readonly options: RenderClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS;
    this.queueLimit = options.queueLimit ?? DEFAULT_RENDER_QUEUE_LIMIT;
  }

  /** The report page as HTML text; chart links are `${chartBase}/${name}.${format}`. */
  async html(task: Omit<Extract<RenderTask, { kind: 'html' }>, 'kind'>, onWarning: (message: string) => void = () => undefined): Promise<string> {
    return this.text({ kind: 'html', ...task }, onWarning);
  }

  async svg(task: Omit<Extract<RenderTask, { kind: 'svg' | 'png' }>, 'kind' | 'scale'>, onWarning: (message: string) => void = () => undefined): Promise<string> {
    return this.text({ kind: 'svg', ...task }, onWarning);
  }

  async png(task: Omit<Extract<RenderTask, { kind: 'svg' | 'png' }>, 'kind'>, onWarning: (message: string) => void = () => undefined): Promise<Buffer> {
    const reply = await this.submit({ kind: 'png', ...task }, onWarning);
    if (reply.type !== 'png') throw new AppError('INTERNAL', 'render worker answered text for a PNG');
    return Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength);
  }

  /** Terminates the worker; running and waiting renders reject. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new AppError('INTERNAL', 'interrupted: the service shut down');
    for (const job of this.queue.splice(0)) job.reject(error);
    const worker = this.worker;
    this.fail(error);
    if (worker) await worker.terminate();
  }

  private async text(task: RenderTask, onWarning: (message: string) => void): Promise<string> {
    const reply = await this.submit(task, onWarning);
    if (reply.type !== 'text') throw new AppError('INTERNAL', 'render worker answered a PNG for a text render');
    return reply.text;
  }

  private submit(task: RenderTask, onWarning: (message: string) => void): Promise<Extract<RenderReply, { type: 'text' | 'png' }>> {
    if (this.closed) return Promise.reject(new AppError('BUSY', 'the service is shutting down'));
    if (this.queue.length >= this.queueLimit) {
      return Promise.reject(new AppError('BUSY', `chart rendering queue is full (${this.queueLimit} waiting); retry later`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, onWarning, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    if (this.current || this.closed || this.queue.length === 0) return;
    const worker = this.worker ?? this.spawn();
    if (!this.ready) return;
    const job = this.queue.shift()!;
    this.current = job;
    this.timer = setTimeout(() => {
      const seconds = Math.round(this.timeoutMs / 100) / 10;
      this.fail(new AppError('TIMEOUT', `chart rendering timed out after ${seconds} s`));
      void worker.terminate();
      this.dispatch();
    }, this.timeoutMs);
    const request: RenderRequest = { id: job.id, task: job.task };
    worker.postMessage(request);
  }

  private spawn(): Worker {
    const worker = new Worker(this.options.workerUrl ?? DEFAULT_RENDER_WORKER_URL);
    // An idle worker must not keep a CLI or test process alive; a running render holds its own timer.
    worker.unref();
    worker.on('message', (msg: RenderReply) => this.onMessage(worker, msg));
    const crashed = (error: AppError) => {
      if (this.worker !== worker) return;
      // A worker that dies before it is ready would die again: fail the waiting renders instead of respawning.
      const waiting = this.ready ? [] : this.queue.splice(0);
      this.fail(error);
      for (const job of waiting) job.reject(error);
      this.dispatch();
    };
    worker.on('error', (e) => crashed(new AppError('INTERNAL', `chart rendering failed: render worker crashed: ${e.message}`)));
    worker.on('exit', (code) => crashed(new AppError('INTERNAL', `chart rendering failed: render worker exited unexpectedly (code ${code})`)));
    this.worker = worker;
    this.ready = false;
    return worker;
  }

  private onMessage(worker: Worker, msg: RenderReply): void {
    if (worker !== this.worker) return;
    if (msg.type === 'ready') {
      this.ready = true;
      this.dispatch();
      return;
    }
    const job = this.current;
    if (!job || msg.id !== job.id) return;
    if (msg.type === 'warning') {
      job.onWarning(msg.message);
      return;
    }
    this.settle();
    if (msg.type === 'error') job.reject(new AppError(msg.code, msg.message));
    else job.resolve(msg);
    this.dispatch();
  }

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
  }

  /** Drops the current worker (dead, stuck or closing) and fails the render it was running. */
  private fail(error: AppError): void {
    const job = this.current;
    this.settle();
    if (this.worker) this.worker.removeAllListeners('message');
    this.worker = null;
    this.ready = false;
    job?.reject(error);
  }
}
