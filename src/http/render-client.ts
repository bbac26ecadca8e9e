/**
 * Draws report pages and charts in one persistent worker thread (a ThreadPool of size 1 running
 * src/runtime/render-task.ts), so a Vega render (hundreds of ms of synchronous work per report page) never
 * blocks the event loop that answers verdict polls. The worker starts on first use (its start-up does not count
 * against a render's timeout); requests wait in a bounded queue and run one at a time, each with `timeoutMs`
 * from the moment the worker picks it up: on expiry the worker is terminated (the only way to stop synchronous
 * drawing) and a fresh one takes the rest of the queue. Errors keep the code and message the in-process
 * renderers throw.
 */
import type { ResourceLimits } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import type { RenderOutput, RenderTask, RenderWarning } from '../runtime/render-task.ts';
import { moduleUrl, ThreadPool } from '../worker/thread-pool.ts';

export const RENDER_TASK_URL = moduleUrl('../runtime/render-task.ts', import.meta.url);
/** A report page of a large analysis draws in about a second here; far past that something is stuck. */
export const DEFAULT_RENDER_TIMEOUT_MS = 30_000;
/** Past this many waiting renders the client answers BUSY (429) instead of queueing without bound. */
export const DEFAULT_RENDER_QUEUE_LIMIT = 64;

export interface RenderClientOptions {
  timeoutMs?: number;
  queueLimit?: number;
  resourceLimits?: ResourceLimits;
}

type OnWarning = (message: string) => void;
const ignore: OnWarning = () => undefined;

export class RenderClient {
  private readonly pool: ThreadPool<RenderTask, RenderOutput, RenderWarning>;

  constructor(options: RenderClientOptions = {}) {
    this.pool = new ThreadPool({
      module: RENDER_TASK_URL,
      size: 1,
      queueLimit: options.queueLimit ?? DEFAULT_RENDER_QUEUE_LIMIT,
      timeoutMs: options.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS,
      resourceLimits: options.resourceLimits,
      name: 'chart rendering',
      messages: {
        busy: ({ queueLimit }) => `chart rendering queue is full (${queueLimit} waiting); retry later`,
        failed: (detail) => `chart rendering failed: render ${detail}`,
      },
    });
  }

  /** The report page as HTML text; chart links are `${chartBase}/${name}.${format}`. */
  async html(task: Omit<Extract<RenderTask, { kind: 'html' }>, 'kind'>, onWarning: OnWarning = ignore): Promise<string> {
    return this.text({ kind: 'html', ...task }, onWarning);
  }

  async svg(task: Omit<Extract<RenderTask, { kind: 'svg' | 'png' }>, 'kind' | 'scale'>, onWarning: OnWarning = ignore): Promise<string> {
    return this.text({ kind: 'svg', ...task }, onWarning);
  }

  async png(task: Omit<Extract<RenderTask, { kind: 'svg' | 'png' }>, 'kind'>, onWarning: OnWarning = ignore): Promise<Buffer> {
    const out = await this.render({ kind: 'png', ...task }, onWarning);
    if (out.type !== 'png') throw new AppError('INTERNAL', 'render worker answered text for a PNG');
    return Buffer.from(out.png.buffer, out.png.byteOffset, out.png.byteLength);
  }

  /** Terminates the worker; running and waiting renders reject. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async text(task: RenderTask, onWarning: OnWarning): Promise<string> {
    const out = await this.render(task, onWarning);
    if (out.type !== 'text') throw new AppError('INTERNAL', 'render worker answered a PNG for a text render');
    return out.text;
  }

  private async render(task: RenderTask, onWarning: OnWarning): Promise<RenderOutput> {
    return this.pool.run(task, { onMessage: (warning) => onWarning(warning.message) });
  }
}
