/**
 * The one retry loop of aftershock, I/O-generic: `retry(fn, options)` runs `fn` once per attempt until it
 * succeeds, fails for good, or the retries, the total deadline or the caller's patience run out.
 *
 * - An attempt gets an `AbortSignal` that fires on the caller's abort, the total deadline, the idle timeout
 *   (no `touch()` for `idleTimeoutMs`, armed from the start so it also covers a server that stalls before its
 *   headers) and the attempt timeout (`attemptTimeoutMs` from the start, never reset).
 * - Retried: `RetryableError`s (which the attempt timers raise too) and connection-level errors. An
 *   `AppError` passes through unchanged; anything else is not worth repeating and ends the loop.
 * - Between attempts: capped exponential backoff with jitter (backoff.ts), or the server's Retry-After when it
 *   gave one. A Retry-After above `maxRetryAfterMs` fails at once rather than retrying earlier than the server
 *   asked or stalling the caller; a wait that would end past the deadline fails at once too.
 * - Cancellation is immediate, also during the backoff sleep: the loop does not wait for `fn` to notice.
 *
 * Errors are `AppError`s that say what failed (`what` names the operation and the server, never credentials):
 * TIMEOUT for the caller's cancellation and the total deadline, UPSTREAM "failed after N attempts: …" when the
 * retries are used up (or the caller's `giveUp` wording).
 */
import { AppError, isAppError } from '../errors.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { OperationScope, untilAborted } from './deadline.ts';
import { AttemptTimeoutError, describe, isRetryable, RetryableError } from './net-errors.ts';
import { sleep } from './sleep.ts';

export interface RetryPolicy extends BackoffOptions {
  /** Retries after the first attempt (total attempts = retries + 1). */
  retries: number;
  /** A `Retry-After` longer than this fails at once. */
  maxRetryAfterMs: number;
  /** An attempt is abandoned when no `touch()` (byte) comes for this long; 0 or absent = off. */
  idleTimeoutMs?: number;
  /** An attempt is abandoned when not done this long after it started; 0 or absent = off. */
  attemptTimeoutMs?: number;
  /** The whole operation (all attempts, waits and body streaming) stops after this long; 0 or absent = off. */
  deadlineMs?: number;
}

export interface Attempt {
  /** Aborts on the caller's signal, the deadline, and this attempt's idle or attempt timeout. */
  signal: AbortSignal;
  /** Call whenever data arrives: resets the idle timer. */
  touch(): void;
  /** 0 for the first attempt. */
  number: number;
}

/** How the loop ended, for a caller that words its own final error. */
export interface RetryFailure {
  what: string;
  /** Attempts made, the failed one included. */
  attempts: number;
  error: unknown;
  /** true: the retries were used up; false: the error was not worth another attempt. */
  retryable: boolean;
}

export interface RetryOptions extends RetryPolicy {
  /** Names the operation and the server in every message (host:port, db; never credentials). */
  what: string;
  signal?: AbortSignal;
  /** One line per retry: what failed and how long until the next attempt. */
  log?: (message: string) => void;
  /** Uniform [0, 1) for the jitter; Math.random otherwise (tests pass their own). */
  random?: () => number;
  /** The final error when the loop gives up on a failure that is not an AppError (default: see defaultGiveUp). */
  giveUp?: (failure: RetryFailure) => Error;
}

/** UPSTREAM "<what>: failed after N attempts: <last error>", or "<what>: <error>" for one not worth retrying. */
export function defaultGiveUp(f: RetryFailure): AppError {
  const text = f.retryable ? `${f.what}: failed after ${f.attempts} attempts: ${describe(f.error)}` : `${f.what}: ${describe(f.error)}`;
  return new AppError('UPSTREAM', text, { cause: f.error });
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function retry<T>(fn: (attempt: Attempt) => Promise<T>, options: RetryOptions): Promise<T> {
  const { what, retries } = options;
  const random = options.random ?? Math.random;
  const giveUp = options.giveUp ?? defaultGiveUp;
  const scope = new OperationScope(options.signal, options.deadlineMs);
  let last: unknown = null;
  let attempts = 0;

  /** The error for a stop by the caller or the deadline; `phase` says where the deadline caught us. */
  const stopped = (phase: 'attempt' | 'backoff'): AppError => {
    if (scope.cancelled || !scope.expired) {
      const reason: unknown = options.signal?.reason;
      if (isAppError(reason)) return reason;
      // AbortSignal.timeout() aborts with a TimeoutError: the caller's own time limit, not a user's cancel.
      const limit = (reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
      return new AppError('TIMEOUT', `${what}: ${limit ? "cancelled: the caller's time limit ran out" : 'cancelled'}`, { cause: reason });
    }
    const where = phase === 'attempt' ? `attempt ${attempts} was still running` : `waiting to retry after ${plural(attempts, 'attempt')}`;
    return new AppError('TIMEOUT', `${what}: not done within the total deadline of ${options.deadlineMs} ms (${where})${last !== null ? `; last failure: ${describe(last)}` : ''}`, {
      cause: last ?? undefined,
    });
  };

  try {
    for (let n = 0; ; n++) {
      if (scope.signal.aborted) throw stopped('backoff');
      attempts = n + 1;
      const ctl = new AbortController();
      const onScopeAbort = (): void => ctl.abort(scope.signal.reason);
      scope.signal.addEventListener('abort', onScopeAbort, { once: true });
      const idleMs = options.idleTimeoutMs ?? 0;
      const attemptMs = options.attemptTimeoutMs ?? 0;
      let idleTimer: NodeJS.Timeout | undefined;
      const touch =
        idleMs > 0
          ? (): void => {
              clearTimeout(idleTimer);
              idleTimer = setTimeout(() => ctl.abort(new AttemptTimeoutError('idle', idleMs)), idleMs);
            }
          : (): void => undefined;
      touch();
      const attemptTimer = attemptMs > 0 ? setTimeout(() => ctl.abort(new AttemptTimeoutError('attempt', attemptMs)), attemptMs) : undefined;
      try {
        // fn may throw synchronously; Promise.resolve().then keeps that inside the attempt's handling.
        return await untilAborted(Promise.resolve().then(() => fn({ signal: ctl.signal, touch, number: n })), ctl.signal);
      } catch (e) {
        if (scope.signal.aborted) throw stopped('attempt');
        const err = ctl.signal.aborted && ctl.signal.reason instanceof AttemptTimeoutError ? ctl.signal.reason : e;
        // Release whatever the failed attempt still holds (an unread body, a request of a client library).
        if (!ctl.signal.aborted) ctl.abort(err);
        if (isAppError(err)) throw err;
        if (!isRetryable(err)) throw giveUp({ what, attempts, error: err, retryable: false });
        last = err;
      } finally {
        clearTimeout(idleTimer);
        clearTimeout(attemptTimer);
        scope.signal.removeEventListener('abort', onScopeAbort);
      }
      if (n >= retries) throw giveUp({ what, attempts, error: last, retryable: true });
      const retryAfterMs = last instanceof RetryableError ? last.retryAfterMs : null;
      if (retryAfterMs !== null && retryAfterMs > options.maxRetryAfterMs) {
        throw new AppError(
          'UPSTREAM',
          `${what}: server asked to retry after ${Math.round(retryAfterMs / 1000)} s (over the ${Math.round(options.maxRetryAfterMs / 1000)} s limit): ${describe(last)}`,
          { cause: last },
        );
      }
      const delay = retryAfterMs ?? backoffDelay(n, options, random);
      if (delay >= scope.remainingMs()) {
        throw new AppError(
          'TIMEOUT',
          `${what}: not done within the total deadline of ${options.deadlineMs} ms (the next attempt would start ${Math.round(delay)} ms after ${plural(attempts, 'attempt')}, past it); last failure: ${describe(last)}`,
          { cause: last },
        );
      }
      options.log?.(`${what}: attempt ${attempts} failed (${describe(last)}); retrying in ${Math.round(delay)} ms`);
      try {
        await sleep(delay, scope.signal);
      } catch {
        throw stopped('backoff');
      }
    }
  } finally {
    scope.dispose();
  }
}
