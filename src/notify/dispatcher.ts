/**
 * Delivers queued notifications in the background, never in the way of an analysis: at most `concurrency`
 * attempts at once, each delivery leased in the store (a restart or another replica resumes what this process did
 * not finish), each attempt run by the one retry loop of src/net (attempt timeout, cancellation) and recorded with
 * its status code or error. Between attempts the delivery waits in the queue, not in a slot: capped exponential
 * backoff with full jitter (net/backoff.ts) or the receiver's Retry-After, within `retries` and a total `deadlineMs`
 * from its creation. A receiver that stalls costs one slot until its attempt timeout, never the queue.
 *
 * Status policy (src/net): 408, 429, 5xx and connection errors are retried; any other non-2xx is final (a 400
 * or 404 will not get better), and the delivery is marked failed with the receiver's answer.
 */
import { performance } from 'node:perf_hooks';
import { AppError } from '../errors.ts';
import { fetchAttempt, isRetryableStatus, readTextPrefix } from '../net/http-request.ts';
import { describe, RetryableError } from '../net/net-errors.ts';
import { parseRetryAfter } from '../net/retry-after.ts';
import { backoffDelay } from '../net/backoff.ts';
import { retry, type Attempt, type RetryFailure } from '../net/retry.ts';
import type { Delivery, DeliveryAttempt, NotificationLog } from '../store/notification-log.ts';
import type { NotificationEvent } from './events.ts';
import { outgoingRequest } from './messages.ts';
import type { NotifySettings, NotifyTarget } from './notify-config.ts';

/** How much of a receiver's answer is kept with an attempt. */
const ERROR_BODY_CHARS = 500;
/** On close, deliveries in flight get this long to finish before they are cancelled (and resumed on the next start). */
export const DEFAULT_DRAIN_MS = 2000;

export interface DispatcherLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  store: NotificationLog;
  settings: NotifySettings;
  /** Identifies this process in leases. */
  owner: string;
  log: DispatcherLog;
  now?: () => Date;
  /** Uniform [0, 1) for the backoff jitter (tests pass a fixed one). */
  random?: () => number;
}

export class DeliveryDispatcher {
  private readonly targets: Map<string, NotifyTarget>;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private readonly wakeups = new Set<NodeJS.Timeout>();
  private pumping: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly o: DispatcherOptions) {
    this.targets = new Map(o.settings.targets.map((t) => [t.name, t]));
    this.now = o.now ?? (() => new Date());
    this.random = o.random ?? Math.random;
  }

  /** Number of deliveries being sent right now. */
  get active(): number {
    return this.inFlight.size;
  }

  /** Starts polling for due deliveries (queued by this process, a previous one, or another replica). */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.kick(), this.o.settings.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now (after an enqueue, or when a slot frees up). */
  kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((e: unknown) => this.o.log.warn({ err: { message: (e as Error).message } }, 'notifications: reading the delivery queue failed'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pump(): Promise<void> {
    const { concurrency, leaseMs } = this.o.settings;
    while (!this.closed && this.inFlight.size < concurrency) {
      const batch = await this.o.store.claim({ owner: this.o.owner, limit: concurrency - this.inFlight.size, leaseMs, now: this.now() });
      if (batch.length === 0 || this.closed) break;
      for (const d of batch) {
        const run = this.deliver(d).catch((e: unknown) => this.o.log.warn({ deliveryId: d.id, err: { message: (e as Error).message } }, 'notifications: delivery bookkeeping failed'));
        this.inFlight.add(run);
        void run.finally(() => {
          this.inFlight.delete(run);
          this.kick();
        });
      }
    }
  }

  private async deliver(d: Delivery): Promise<void> {
    const { settings, store } = this.o;
    const target = this.targets.get(d.target);
    if (!target) {
      await store.recordAttempt(d.id, { attempt: d.attempts + 1, startedAt: this.now().toISOString(), durationMs: 0, ok: false, statusCode: null, error: `target "${d.target}" is no longer configured` });
      await store.finish(d.id, { status: 'failed', now: this.now() });
      return;
    }
    const event = JSON.parse(d.payload) as NotificationEvent;
    const host = new URL(target.url).host;
    const n = d.attempts + 1;
    let recorded: Promise<void> = Promise.resolve();
    const record = (a: Omit<DeliveryAttempt, 'attempt'>) =>
      (recorded = store.recordAttempt(d.id, { attempt: n, ...a }).catch((e: unknown) => this.o.log.warn({ deliveryId: d.id, err: { message: (e as Error).message } }, 'notifications: recording an attempt failed')));

    const attempt = async (att: Attempt): Promise<void> => {
      const startedAt = this.now();
      const t0 = performance.now();
      const req = outgoingRequest(target, event, { sentAt: startedAt, deliveryId: d.id });
      const done = (ok: boolean, statusCode: number | null, error: string | null) => record({ startedAt: startedAt.toISOString(), durationMs: performance.now() - t0, ok, statusCode, error });
      let res: Response;
      try {
        res = await fetchAttempt({ url: req.url, method: 'POST', headers: req.headers, body: req.body }, att);
      } catch (e) {
        done(false, null, describe(att.signal.aborted && att.signal.reason ? att.signal.reason : e));
        throw e;
      }
      const text = await readTextPrefix(res, ERROR_BODY_CHARS);
      if (res.ok) {
        done(true, res.status, null);
        return;
      }
      const error = `HTTP ${res.status}${text.trim() ? `: ${text.trim()}` : ''}`;
      done(false, res.status, error);
      if (isRetryableStatus(res.status, { retry500: true })) throw new RetryableError(error, { retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()) });
      throw new AppError('UPSTREAM', `${target.name} (${host}) refused the notification: ${error}`);
    };

    // One attempt per claim, with the attempt timeout and cancellation of src/net's loop; the wait before the next
    // attempt is spent in the queue (next_attempt_at), not in a slot, so a receiver that is down for a while never
    // holds the dispatcher's slots through its backoff, and the wait survives a restart.
    let failure: RetryFailure | null = null;
    try {
      await retry(attempt, {
        what: `notification ${d.id} to ${target.name} (${host})`,
        retries: 0,
        minDelayMs: settings.minDelayMs,
        maxDelayMs: settings.maxDelayMs,
        attemptTimeoutMs: settings.attemptTimeoutMs,
        maxRetryAfterMs: settings.maxRetryAfterMs,
        signal: this.abort.signal,
        giveUp: (f) => {
          failure = f;
          return new Error(describe(f.error));
        },
      });
    } catch (e) {
      await recorded;
      // Cancelled by close(): the lease is released there, so the next start sends it again.
      if (this.abort.signal.aborted) return;
      const why = failure as RetryFailure | null;
      const retryAfterMs = why?.error instanceof RetryableError ? why.error.retryAfterMs : null;
      const delay = retryAfterMs ?? backoffDelay(n - 1, { minDelayMs: settings.minDelayMs, maxDelayMs: settings.maxDelayMs, jitter: 'full' }, this.random);
      const next = this.now().getTime() + delay;
      const give = !why?.retryable
        ? 'not worth retrying'
        : n > settings.retries
          ? `no retries left after ${n} attempts`
          : retryAfterMs !== null && retryAfterMs > settings.maxRetryAfterMs
            ? `the receiver asked to wait ${Math.round(retryAfterMs / 1000)} s, over maxRetryAfterMs`
            : next > Date.parse(d.createdAt) + settings.deadlineMs
              ? `the next attempt would be past the ${settings.deadlineMs} ms deadline`
              : null;
      if (give === null) {
        await store.finish(d.id, { status: 'pending', nextAttemptAt: new Date(next) });
        this.wakeAt(delay);
        this.o.log.info({ deliveryId: d.id, target: target.name, attempt: n }, `notification attempt ${n} failed (${describe(e)}); next in ${Math.round(delay)} ms`);
        return;
      }
      await store.finish(d.id, { status: 'failed', now: this.now() });
      this.o.log.warn({ deliveryId: d.id, target: target.name, event: d.eventType, attempts: n }, `notification failed (${give}): ${describe(e)}`);
      return;
    }
    await recorded;
    await store.finish(d.id, { status: 'delivered', now: this.now() });
    this.o.log.info({ deliveryId: d.id, target: target.name, event: d.eventType, attempts: n }, 'notification delivered');
  }

  /** Looks again when a rescheduled delivery falls due (sooner than the next poll). */
  private wakeAt(delayMs: number): void {
    if (this.closed || delayMs >= this.o.settings.pollIntervalMs) return;
    const t = setTimeout(() => {
      this.wakeups.delete(t);
      this.kick();
    }, delayMs + 5);
    t.unref();
    this.wakeups.add(t);
  }

  /**
   * Stops polling, lets deliveries in flight finish for up to `drainMs`, then cancels the rest and gives their
   * leases back (they resume on the next start).
   */
  async close(drainMs = DEFAULT_DRAIN_MS): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.wakeups) clearTimeout(t);
    if (this.inFlight.size > 0 && drainMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (timer = setTimeout(r, drainMs)))]);
      clearTimeout(timer);
    }
    this.abort.abort(new AppError('TIMEOUT', 'the notification dispatcher is shutting down'));
    // A claim still on its way would otherwise lease rows after the release below.
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
    await this.o.store.release(this.o.owner).catch((e: unknown) => this.o.log.warn({ err: { message: (e as Error).message } }, 'notifications: releasing leases failed'));
  }
}
