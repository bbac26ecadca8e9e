/**
 * The retry policy shared by both InfluxDB sources, and the streaming HTTP transport of the 1.x source.
 * One attempt = one complete query; partial results of a failed attempt are discarded by the caller, so
 * a retry never mixes rows of two responses. Retried: 429, 5xx, connection errors, idle timeouts.
 * Not retried: other 4xx (wrong credentials, unknown db) and the caller's own cancellation.
 */
import { AppError, isAppError } from '../../errors.ts';

export interface RetryOptions {
  /** Retries after the first attempt (total attempts = retries + 1). */
  retries: number;
  /** First backoff delay; doubles per retry. */
  minDelayMs: number;
  /** Cap of the exponential delay. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this fails at once instead of stalling the analysis. */
  maxRetryAfterMs: number;
  /** An attempt is abandoned when no byte arrives for this long. */
  idleTimeoutMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  retries: 3,
  minDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
  idleTimeoutMs: 30_000,
};

/** A failure worth another attempt; `retryAfterMs` from the server's Retry-After header, when given. */
export class RetriableError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number | null } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetriableError';
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : null;
}

export function isRetriableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The errno-style code of a connection failure, looking through `cause` chains (undici wraps them). */
export function connectionErrorCode(e: unknown): string | null {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return code;
  }
  // undici reports a body cut off mid-stream as TypeError('terminated') with the socket error as cause
  if (e instanceof TypeError && /terminated|other side closed/i.test(e.message)) return 'ECONNRESET';
  return null;
}

/** Capped exponential backoff with "equal jitter": half fixed, half random, so retries of many clients spread out. */
export function backoffDelay(retry: number, options: Pick<RetryOptions, 'minDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const exp = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** retry);
  return exp / 2 + random() * (exp / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface Attempt {
  /** Aborts on the caller's signal and on the idle timeout. */
  signal: AbortSignal;
  /** Call whenever data arrives: resets the idle timer. */
  touch(): void;
  /** 0 for the first attempt. */
  number: number;
}

export interface WithRetriesOptions {
  retry: RetryOptions;
  /** Names the operation and the server in messages (host:port, db/bucket; never credentials). */
  what: string;
  signal?: AbortSignal;
  log?: (message: string) => void;
  /** For tests; Math.random otherwise. */
  random?: () => number;
}

function cancelled(what: string, signal: AbortSignal): AppError {
  const reason: unknown = signal.reason;
  if (isAppError(reason)) return reason;
  return new AppError('TIMEOUT', `${what}: cancelled`, { cause: reason });
}

/**
 * Runs `fn` until it succeeds, a non-retriable error occurs, or the retries are used up. `fn` must throw
 * a `RetriableError` (or a raw connection error) for failures worth another attempt.
 */
export async function withRetries<T>(fn: (attempt: Attempt) => Promise<T>, options: WithRetriesOptions): Promise<T> {
  const { retry, what, signal } = options;
  const random = options.random ?? Math.random;
  let lastError: unknown = null;
  for (let n = 0; n <= retry.retries; n++) {
    if (signal?.aborted) throw cancelled(what, signal);
    const ctl = new AbortController();
    const onOuterAbort = (): void => ctl.abort(signal?.reason);
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => ctl.abort(new RetriableError(`no data for ${retry.idleTimeoutMs} ms`)), retry.idleTimeoutMs);
    };
    touch();
    let retryAfterMs: number | null = null;
    try {
      return await fn({ signal: ctl.signal, touch, number: n });
    } catch (e) {
      if (signal?.aborted) throw cancelled(what, signal);
      const err = ctl.signal.aborted && ctl.signal.reason instanceof RetriableError ? ctl.signal.reason : e;
      if (err instanceof RetriableError) retryAfterMs = err.retryAfterMs;
      else if (connectionErrorCode(err) === null) {
        if (isAppError(err)) throw err;
        // DNS failures, refused URLs and the like: not worth retrying, but still an error with a code.
        throw new AppError('UPSTREAM', `${what}: ${describe(err)}`, { cause: err });
      }
      lastError = err;
    } finally {
      clearTimeout(idleTimer);
      signal?.removeEventListener('abort', onOuterAbort);
    }
    if (n === retry.retries) break;
    if (retryAfterMs !== null && retryAfterMs > retry.maxRetryAfterMs) {
      throw new AppError('UPSTREAM', `${what}: server asked to retry after ${Math.round(retryAfterMs / 1000)} s (over the ${Math.round(retry.maxRetryAfterMs / 1000)} s limit): ${describe(lastError)}`, { cause: lastError });
    }
    const delay = retryAfterMs ?? backoffDelay(n, retry, random);
    options.log?.(`${what}: attempt ${n + 1} failed (${describe(lastError)}); retrying in ${Math.round(delay)} ms`);
    try {
      await sleep(delay, signal);
    } catch {
      throw cancelled(what, signal as AbortSignal);
    }
  }
  throw new AppError('UPSTREAM', `${what}: failed after ${retry.retries + 1} attempts: ${describe(lastError)}`, { cause: lastError });
}

/** The error's message plus the innermost useful detail of its `cause` chain (errno code or message). */
export function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  let detail = connectionErrorCode(e);
  for (let cur: unknown = (e as { cause?: unknown })?.cause, depth = 0; !detail && cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const c = cur as { code?: unknown; message?: unknown };
    detail = typeof c.code === 'string' ? c.code : typeof c.message === 'string' && c.message ? c.message : null;
  }
  return detail && !msg.includes(detail) ? `${msg} (${detail})` : msg;
}

/** Cheap reachability check (1.x and 2.x both answer /ping with 204), one attempt, for /readyz. */
export async function pingInflux(url: URL, retry: RetryOptions, where: string, signal?: AbortSignal): Promise<void> {
  await withRetries(
    async (attempt) => {
      const res = await fetch(new URL('/ping', url), { signal: attempt.signal });
      if (res.status !== 204 && res.status !== 200) throw new RetriableError(`/ping answered ${res.status}`);
    },
    { retry: { ...retry, retries: 0 }, what: `${where}: ping`, signal },
  );
}

/** host:port of a URL, for messages (never user info). */
export function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

export interface StreamRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | URLSearchParams;
  attempt: Attempt;
}

export interface ResponseError {
  status: number;
  body: string;
  retryAfter: string | null;
}

/**
 * Sends one request and hands the body to `onLine` line by line as it streams in (a line is one JSON
 * document in InfluxDB 1.x chunked responses). Non-2xx answers go to `onError`, which must throw.
 * Returns the number of body bytes received.
 */
export async function streamLines(req: StreamRequest, onLine: (line: string) => void, onError: (e: ResponseError) => never): Promise<number> {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.attempt.signal });
  req.attempt.touch();
  if (res.status < 200 || res.status > 299) {
    const body = (await res.text().catch(() => '')).slice(0, 2000);
    onError({ status: res.status, body, retryAfter: res.headers.get('retry-after') });
  }
  if (!res.body) return 0;
  const decoder = new TextDecoder();
  let pending = '';
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    req.attempt.touch();
    bytes += chunk.byteLength;
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
  }
  pending += decoder.decode();
  if (pending.trim() !== '') onLine(pending);
  return bytes;
}
