/**
 * JSON over HTTP to the Unleash Admin API through src/net: a per-try timeout, bounded retries with capped
 * exponential backoff and jitter (Retry-After honoured), and a total deadline. Only requests the caller
 * declares idempotent are retried (every request aftershock sends is: GET, PUT of a whole strategy,
 * POST …/on|off), so a retry after a lost response cannot apply twice. Retried: network errors, timeouts,
 * 408, 429, 500, 502–504. Errors become AppErrors that say what to fix; the token never appears in a message.
 */
import { AppError, isAppError } from '../../errors.ts';
import { retryingFetch, type HttpStatus } from '../../net/http-request.ts';
import { AttemptTimeoutError, connectionErrorCode, RetryableError } from '../../net/net-errors.ts';
import type { Attempt, RetryFailure } from '../../net/retry.ts';

export interface UnleashHttpOptions {
  /** Base URL, e.g. http://127.0.0.1:4242 (a trailing slash is fine). */
  url: string;
  /** The whole admin token string, e.g. `*:*.secret`. */
  token: string;
  /** Per try, from sending the request to the end of the answer's body. */
  timeoutMs: number;
  /** Extra tries after the first, for network errors, timeouts, 429 and 5xx. */
  retries: number;
  /** Backoff before the first retry (equal jitter: between half of it and all of it), doubled each time. */
  retryBaseMs: number;
  /** One request with all its tries and waits stops after this long (default DEFAULT_UNLEASH_DEADLINE_MS). */
  deadlineMs?: number;
}

export const DEFAULT_UNLEASH_TIMEOUT_MS = 5000;
export const DEFAULT_UNLEASH_RETRIES = 2;
export const DEFAULT_UNLEASH_RETRY_BASE_MS = 200;
/** Above the default worst case (3 tries of 5 s plus backoff) and short enough for a kill switch to fail visibly. */
export const DEFAULT_UNLEASH_DEADLINE_MS = 30_000;
/** Cap of one backoff wait. */
export const DEFAULT_UNLEASH_RETRY_MAX_MS = 5000;
/** A rate-limited Unleash asking for a longer pause than this fails the request instead. */
export const DEFAULT_UNLEASH_MAX_RETRY_AFTER_MS = 10_000;

interface UnleashErrorBody {
  message?: string;
  details?: Array<{ message?: string }>;
}

function upstreamMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as UnleashErrorBody;
    return parsed.details?.[0]?.message ?? parsed.message ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

export class UnleashHttp {
  readonly baseUrl: string;
  private readonly options: UnleashHttpOptions;

  constructor(options: UnleashHttpOptions) {
    this.options = options;
    this.baseUrl = options.url.replace(/\/+$/, '');
  }

  /** Sends one request (retrying as described above) and returns the parsed JSON body (null for empty). */
  request<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const what = `Unleash ${method} ${path}`;
    const o = this.options;
    return retryingFetch(
      {
        url: this.baseUrl + path,
        method,
        headers: {
          Authorization: o.token,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
      {
        what,
        retries: o.retries,
        minDelayMs: o.retryBaseMs,
        maxDelayMs: Math.max(o.retryBaseMs, DEFAULT_UNLEASH_RETRY_MAX_MS),
        maxRetryAfterMs: DEFAULT_UNLEASH_MAX_RETRY_AFTER_MS,
        attemptTimeoutMs: o.timeoutMs,
        deadlineMs: o.deadlineMs ?? DEFAULT_UNLEASH_DEADLINE_MS,
        retry500: true,
        signal,
        statusError: (s, attempt) => this.statusError(what, s, attempt),
        giveUp: (f) => this.giveUp(f),
      },
      async (res) => {
        const text = await res.text();
        if (!text) return null as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          // e.g. a proxy's HTML page: not Unleash, or not the admin API.
          throw new AppError('UPSTREAM', `${what}: answered ${res.status} with a body that is not JSON (${text.slice(0, 80).replace(/\s+/g, ' ')}…); is ${this.baseUrl} the Unleash server?`);
        }
      },
    );
  }

  private statusError(what: string, s: HttpStatus, attempt: Attempt): AppError {
    const msg = upstreamMessage(s.body);
    if (s.status === 401) {
      return new AppError('UNAUTHORIZED', `${what}: Unleash rejected the admin token (401: ${msg}); check unleash.adminToken / UNLEASH_ADMIN_TOKEN — the header carries the whole token, e.g. "*:*.<secret>"`);
    }
    if (s.status === 403) return new AppError('UPSTREAM', `${what}: Unleash refused (403: ${msg}); the token may lack admin permissions on this project`);
    if (s.status === 404) return new AppError('NOT_FOUND', `${what}: not found in Unleash (${msg})`);
    // A retried status gets its try count from giveUp; a final one after earlier failed tries says it here.
    const tries = !s.retryable && attempt.number > 0 ? ` (${attempt.number + 1} tries)` : '';
    return new AppError('UPSTREAM', `${what}: Unleash answered ${s.status}: ${msg}${tries}`);
  }

  /** The wording of the last failure once the tries are used up (or of a network error not worth a retry). */
  private giveUp(f: RetryFailure): AppError {
    const { what, attempts, error } = f;
    if (error instanceof AttemptTimeoutError) {
      return new AppError('TIMEOUT', `${what}: no answer within ${error.ms} ms (${attempts} tries)`, { cause: error });
    }
    if (error instanceof RetryableError && isAppError(error.cause)) {
      return new AppError(error.cause.code, `${error.cause.message}${attempts > 1 ? ` (${attempts} tries)` : ''}`, { cause: error.cause });
    }
    return new AppError('UPSTREAM', `${what}: Unleash at ${this.baseUrl} is unreachable: ${causeText(error)} (${attempts} tries)`, { cause: error });
  }
}

function causeText(e: unknown): string {
  const code = connectionErrorCode(e);
  if (code) return code;
  const err = e as { cause?: { code?: string; message?: string }; message?: string };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
