/**
 * The one pool of worker threads (analyses, rendering, parallel file reads). Tasks get ids; at most `size` run
 * at once and at most `queueLimit` wait, past that `reserve()`/`run()` throw BUSY. Workers start lazily, load
 * the task handler module once and report ready; a task's `timeoutMs` counts from the moment its worker is ready
 * and sends it off (never the thread's start-up). On expiry the worker is terminated (the only way to stop synchronous
 * number crunching) and replaced, and the task fails with TIMEOUT; a crashed worker is replaced the same way.
 * Idle workers do not keep the process alive.
 */
import { Worker, type ResourceLimits, type TransferListItem } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import type { TaskRequest, ThreadData, ThreadReply } from './protocol.ts';

/** A worker that has not loaded its handler module after this long is stuck, not slow. */
export const DEFAULT_START_TIMEOUT_MS = 60_000;
export const DEFAULT_CLOSE_REASON = 'interrupted: the service shut down';

/** Running from TypeScript source (tsx, vitest): threads need the tsx bootstrap; compiled: plain JS. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const THREAD_ENTRY = new URL(FROM_SOURCE ? './dev-entry.js' : './thread-main.js', import.meta.url);

/**
 * URL of a module named relative to `importMetaUrl` by its `.ts` source name: the `.ts` file when the naming module
 * runs from source, the `.js` file next to it when compiled (tsc rewrites import specifiers, not URL strings).
 */
export function moduleUrl(specifier: string, importMetaUrl: string): URL {
  const url = new URL(specifier, importMetaUrl);
  if (!importMetaUrl.endsWith('.ts') && url.pathname.endsWith('.ts')) url.pathname = `${url.pathname.slice(0, -3)}.js`;
  return url;
}

/** Error texts; `failed` gets e.g. "worker crashed: …", "worker exited unexpectedly (code 3)". */
export interface PoolMessages {
  busy(limits: { size: number; queueLimit: number }): string;
  timeout(seconds: number): string;
  failed(detail: string): string;
  /** The task's worker reached its heap limit (resourceLimits); `limitMb` is maxOldGenerationSizeMb when set. */
  outOfMemory(limitMb: number | undefined): string;
}

/**
 * Heap limit of every pool's workers unless the pool is given its own: one task that runs away (a cardinality
 * explosion, a huge file) then fails with a clear error instead of taking the whole process down with it.
 * 2 GB holds an analysis at the default series cap (input.maxSeries) with room to spare.
 */
export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 2048 };

export interface ThreadPoolOptions {
  /** The task handler module (default export from defineTask); name it with moduleUrl(). */
  module: URL;
  /** Structured-cloneable data for the module's factory, once per worker. */
  data?: unknown;
  size: number;
  queueLimit: number;
  /** Per task, from the moment a ready worker starts it, never counting the worker's start-up (default: none). */
  timeoutMs?: number;
  startTimeoutMs?: number;
  /** Names the pool in its errors: "analysis" → "analysis queue is full …", "analysis timed out after 2 s". */
  name: string;
  messages?: Partial<PoolMessages>;
  /** Heap and stack limits of each worker (see node:worker_threads). */
  resourceLimits?: ResourceLimits;
  /**
   * Nice value of each worker thread (./thread-priority.ts): background pools set it so that a busy worker does not
   * take the CPU from the main thread's event loop when the cores are contended. Absent: the process's priority.
   */
  niceness?: number;
}

export interface TaskOptions<Msg> {
  /** Buffers of the input to move to the worker instead of copying. */
  transfer?: readonly TransferListItem[];
  /** A worker took the task (it may still be starting); `worker` is its place in the pool (0 … size − 1, kept by a replacement). */
  onStart?: (worker: number) => void;
  /** What the running task posts (TaskContext.post). */
  onMessage?: (message: Msg) => void;
}

/** A place in the pool held between admission and run, so a caller can do async work (store a record) first. */
export interface Reservation<In, Out, Msg> {
  run(input: In, options?: TaskOptions<Msg>): Promise<Out>;
  release(): void;
}

interface Task {
  id: number;
  input: unknown;
  options: TaskOptions<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  /** The handler module is loaded: tasks may be sent. */
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
}

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export class ThreadPool<In, Out, Msg = never> {
  private readonly slots: Array<Slot | undefined>;
  private readonly queue: Task[] = [];
  private readonly text: PoolMessages;
  private reserved = 0;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ThreadPoolOptions) {
    if (!(options.size >= 1)) throw new AppError('INTERNAL', `${options.name} pool needs at least one worker (size ${options.size})`);
    this.slots = new Array<Slot | undefined>(options.size).fill(undefined);
    const { name } = options;
    this.text = {
      busy: ({ size, queueLimit }) => `${name} queue is full (${size} running, ${queueLimit} waiting); retry later`,
      timeout: (s) => `${name} timed out after ${s} s`,
      failed: (detail) => `${name} ${detail}`,
      outOfMemory: (mb) =>
        `${name} ran out of memory: its worker reached the heap limit${mb !== undefined ? ` of ${mb} MB` : ''} and was replaced (the service keeps running)`,
      ...options.messages,
    };
  }

  get queued(): number {
    return this.queue.length;
  }
  get running(): number {
    return this.live().filter((s) => s.task !== null).length;
  }
  /** Worker threads alive (starting, idle or busy). */
  get threads(): number {
    return this.live().length;
  }
  get capacity(): number {
    return this.options.size + this.options.queueLimit;
  }

  /** Holds a place or throws BUSY when `size` tasks run and `queueLimit` wait already. */
  reserve(): Reservation<In, Out, Msg> {
    if (this.closed) throw new AppError('BUSY', 'the service is shutting down');
    if (this.running + this.queued + this.reserved >= this.capacity) {
      throw new AppError('BUSY', this.text.busy({ size: this.options.size, queueLimit: this.options.queueLimit }));
    }
    this.reserved += 1;
    let used = false;
    const take = (): void => {
      if (used) throw new Error('reservation used twice');
      used = true;
      this.reserved -= 1;
    };
    return {
      run: (input, options = {}) => {
        take();
        return this.enqueue(input, options);
      },
      release: () => {
        if (!used) take();
      },
    };
  }

  /** Runs a task; throws BUSY at once when the pool is full or closed. */
  run(input: In, options: TaskOptions<Msg> = {}): Promise<Out> {
    return this.reserve().run(input, options);
  }

  /** Terminates all workers; running and waiting tasks reject with INTERNAL `reason`. */
  async close(reason = DEFAULT_CLOSE_REASON): Promise<void> {
    this.closed = true;
    const error = new AppError('INTERNAL', reason);
    for (const task of this.queue.splice(0)) task.reject(error);
    const slots = this.live();
    this.slots.fill(undefined);
    await Promise.all(
      slots.map(async (slot) => {
        const task = slot.task;
        this.settle(slot);
        slot.worker.removeAllListeners('message');
        task?.reject(error);
        await slot.worker.terminate();
      }),
    );
  }

  private live(): Slot[] {
    return this.slots.filter((s): s is Slot => s !== undefined);
  }

  private enqueue(input: In, options: TaskOptions<Msg>): Promise<Out> {
    if (this.closed) return Promise.reject(new AppError('BUSY', 'the service is shutting down'));
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, options: options as TaskOptions<unknown>, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /**
   * Hands waiting tasks to idle workers (ready ones first) and starts workers (up to `size`) for the rest. A
   * starting worker takes its task at once (the caller learns it started) but runs it, and starts its timer,
   * only when ready.
   */
  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const idle = this.live().find((s) => s.ready && s.task === null) ?? this.live().find((s) => s.task === null);
      if (idle) {
        this.assign(idle, this.queue.shift()!);
        continue;
      }
      const free = this.slots.indexOf(undefined);
      if (free < 0) return;
      this.spawn(free);
    }
  }

  private spawn(index: number): void {
    const data: ThreadData = { module: this.options.module.href, data: this.options.data, niceness: this.options.niceness };
    const worker = new Worker(THREAD_ENTRY, { workerData: data, resourceLimits: this.limits });
    const slot: Slot = { index, worker, ready: false, task: null, timer: null };
    const startMs = this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    slot.timer = setTimeout(() => {
      this.retire(slot, new AppError('TIMEOUT', this.text.failed(`worker did not start within ${seconds(startMs)} s`)));
      void worker.terminate();
    }, startMs);
    worker.on('message', (reply: ThreadReply) => this.onReply(slot, reply));
    worker.on('error', (e) => this.retire(slot, this.crashError(e)));
    worker.on('exit', (code) => this.retire(slot, new AppError('INTERNAL', this.text.failed(`worker exited unexpectedly (code ${code})`))));
    this.slots[index] = slot;
  }

  private get limits(): ResourceLimits {
    return this.options.resourceLimits ?? DEFAULT_RESOURCE_LIMITS;
  }

  /** A worker's 'error': out of memory (its own limit, not a bug: the input was too big for it) or a crash. */
  private crashError(e: Error): AppError {
    if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new AppError('BAD_INPUT', this.text.outOfMemory(this.limits.maxOldGenerationSizeMb), { cause: e });
    }
    return new AppError('INTERNAL', this.text.failed(`worker crashed: ${e.message}`));
  }

  private assign(slot: Slot, task: Task): void {
    slot.task = task;
    // A busy worker keeps the process alive (its caller waits); an idle one does not (see settle).
    slot.worker.ref();
    task.options.onStart?.(slot.index);
    if (slot.ready) this.send(slot, task);
  }

  /** Sends the task to its ready worker; from here on its timeout runs. */
  private send(slot: Slot, task: Task): void {
    const { timeoutMs } = this.options;
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      slot.timer = setTimeout(() => {
        this.retire(slot, new AppError('TIMEOUT', this.text.timeout(seconds(timeoutMs))));
        void slot.worker.terminate();
      }, timeoutMs);
    }
    try {
      const request: TaskRequest = { id: task.id, input: task.input };
      slot.worker.postMessage(request, task.options.transfer);
    } catch (e) {
      // The input cannot be cloned: the task's fault, not the worker's.
      this.settle(slot);
      task.reject(new AppError('INTERNAL', `${this.options.name}: cannot send the task to a worker: ${(e as Error).message}`));
      this.dispatch();
    }
  }

  private onReply(slot: Slot, reply: ThreadReply): void {
    if (reply.type === 'ready') {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      slot.ready = true;
      if (slot.task) this.send(slot, slot.task);
      else {
        this.dispatch();
        if (slot.task === null) slot.worker.unref();
      }
      return;
    }
    const task = slot.task;
    if (!task || reply.id !== task.id) return;
    if (reply.type === 'message') {
      task.options.onMessage?.(reply.message);
      return;
    }
    this.settle(slot);
    if (reply.type === 'result') task.resolve(reply.value);
    else task.reject(new AppError(reply.code, reply.message));
    this.dispatch();
  }

  /** The slot's task is over (done, failed, cut off): clear its timer; an idle worker lets the process exit. */
  private settle(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    slot.worker.unref();
  }

  /** Drops a dead, stuck or never-ready worker, fails its task and lets a fresh worker take the queue. */
  private retire(slot: Slot, error: AppError): void {
    if (this.slots[slot.index] !== slot) return;
    this.slots[slot.index] = undefined;
    const task = slot.task;
    this.settle(slot);
    slot.worker.removeAllListeners('message');
    task?.reject(error);
    // A worker that dies before it is ready would die again (its module does not load): fail the waiting
    // tasks instead of respawning, unless a ready worker is there to take them.
    if (!slot.ready && !this.live().some((s) => s.ready)) {
      for (const waiting of this.queue.splice(0)) waiting.reject(error);
    }
    this.dispatch();
  }
}
