/**
 * HTTP over `fetch` with the retry loop of retry.ts: `retryingFetch(request, options, read)` sends the request
 * once per attempt and hands a 2xx response to `read` *inside* the attempt, so a body cut off or stalled
 * mid-stream is retried as a whole (partial results of a failed attempt are the caller's to discard) and the
 * idle timer, the attempt timeout and the total deadline cover the body too. The response body given to `read`
 * touches the idle timer on every chunk, whatever way it is consumed (`text()`, `json()`, a stream).
 *
 * Status policy: 408, 429, 502, 503 and 504 are retried (with Retry-After), 500 only when the caller says
 * so (`retry500`: some servers use it for transient overload, others for bugs that will fail the same way
 * again), every other status is final — never a 400/401/403/404, which a retry cannot fix. 408 is a 4xx but
 * means "you were too slow to send", which RFC 9110 §15.5.9 lets a client repeat.
 * Only replayable bodies (string, URLSearchParams, bytes) can be sent, since each attempt sends again; use
 * retries only for requests that are safe to repeat (idempotent).
 */
import { AppError } from '../errors.ts';
import { RetryableError, redactCredentials } from './net-errors.ts';
import { parseRetryAfter } from './retry-after.ts';
import { retry, type Attempt, type RetryOptions } from './retry.ts';

export interface HttpRequest {
  url: URL | string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams | Uint8Array<ArrayBuffer>;
}

/** A non-2xx answer, with the start of its body (≤ DEFAULT_ERROR_BODY_CHARS). */
export interface HttpStatus {
  status: number;
  statusText: string;
  body: string;
  headers: Headers;
  /** From Retry-After (seconds or HTTP-date), null without one. */
  retryAfterMs: number | null;
  /** Whether the policy above retries this status. */
  retryable: boolean;
}

export interface RetryingFetchOptions extends Omit<RetryOptions, 'what'> {
  /** Names the operation in messages; default "<METHOD> host:port/path" (no query string, no credentials). */
  what?: string;
  /** Retry 500 Internal Server Error too. */
  retry500?: boolean;
  /** The caller's wording of a non-2xx answer (default: defaultStatusError): thrown at once for a final status,
   * or kept as the last failure of a retried one. Return a RetryableError to retry a status the policy would not. */
  statusError?: (status: HttpStatus, attempt: Attempt) => Error;
}

/** How much of an error body is kept for the message. */
export const DEFAULT_ERROR_BODY_CHARS = 2000;

/** host:port of a URL, for messages (never user info). */
export function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

export function isRetryableStatus(status: number, options: { retry500?: boolean } = {}): boolean {
  return status === 408 || status === 429 || status === 502 || status === 503 || status === 504 || (status === 500 && options.retry500 === true);
}

/** UNAUTHORIZED for 401, NOT_FOUND for 404, UPSTREAM otherwise; the message names the operation and the status. */
export function defaultStatusError(what: string, s: HttpStatus): AppError {
  const text = `${what}: HTTP ${s.status}${s.body.trim() ? `: ${s.body.trim()}` : s.statusText ? ` ${s.statusText}` : ''}`;
  return new AppError(s.status === 401 ? 'UNAUTHORIZED' : s.status === 404 ? 'NOT_FOUND' : 'UPSTREAM', text);
}

/** The response with a body that calls `touch` on every chunk (the same response when it has no body). */
function touchingBody(res: Response, touch: () => void): Response {
  if (res.body === null) return res;
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        touch();
        controller.enqueue(chunk);
      },
    }),
  );
  const wrapped = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(wrapped, 'url', { value: res.url });
  return wrapped;
}

/**
 * One attempt: fetch under `attempt.signal`, touching the idle timer on the headers and on every body chunk.
 * User info in the URL (`http://user:pass@host`) becomes a Basic Authorization header (withBasicAuth).
 */
export async function fetchAttempt(req: HttpRequest, attempt: Attempt): Promise<Response> {
  const { url, headers } = withBasicAuth(req);
  const res = await fetch(url, { method: req.method ?? 'GET', headers, body: req.body, signal: attempt.signal });
  attempt.touch();
  return touchingBody(res, attempt.touch);
}

/**
 * The request's URL without user info and its headers with that user info as a Basic Authorization header (unless
 * the caller set one): fetch refuses such URLs with the whole URL, password included, in its error message, and
 * node:http would send them as they are.
 */
export function withBasicAuth(req: HttpRequest): { url: URL; headers: Record<string, string> } {
  const url = new URL(req.url);
  const headers: Record<string, string> = { ...req.headers };
  if (url.username || url.password) {
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
    url.username = '';
    url.password = '';
  }
  return { url, headers };
}

/** At most `maxChars` of a body as text (the rest is not downloaded); '' if reading fails. */
export async function readTextPrefix(res: Response, maxChars = DEFAULT_ERROR_BODY_CHARS): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < maxChars) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    text += decoder.decode();
  } catch {
    // a body cut off or aborted: keep what arrived
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.slice(0, maxChars);
}

/** The default `what`: method, host:port and path (a query string may carry tokens, so it is left out). */
function defaultWhat(req: HttpRequest): string {
  const url = new URL(req.url);
  return `${req.method ?? 'GET'} ${hostPort(url)}${url.pathname}`;
}

/**
 * Sends `request` with retries (see retry.ts for the loop and its options) and returns what `read` makes of
 * the first 2xx response. `read` runs inside the attempt: throw a RetryableError from it to retry (e.g. a
 * malformed chunk), an AppError to stop. It should consume (or cancel) the body: the timers and the deadline
 * end with the attempt, so a stream handed out of `read` is no longer watched.
 */
export function retryingFetch<T>(request: HttpRequest, options: RetryingFetchOptions, read: (res: Response, attempt: Attempt) => Promise<T>): Promise<T> {
  const what = redactCredentials(options.what ?? defaultWhat(request));
  return retry(
    async (attempt) => {
      const res = await fetchAttempt(request, attempt);
      if (res.status >= 200 && res.status <= 299) return read(res, attempt);
      const status: HttpStatus = {
        status: res.status,
        statusText: res.statusText,
        body: await readTextPrefix(res),
        headers: res.headers,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), Date.now()),
        retryable: isRetryableStatus(res.status, options),
      };
      const err = options.statusError?.(status, attempt) ?? defaultStatusError(what, status);
      if (!status.retryable || err instanceof RetryableError) throw err;
      // The loop prefixes `what` to the final message and to log lines: do not say it twice.
      const text = err.message.startsWith(`${what}: `) ? err.message.slice(what.length + 2) : err.message;
      throw new RetryableError(text, { cause: err, retryAfterMs: status.retryAfterMs });
    },
    { ...options, what },
  );
}
