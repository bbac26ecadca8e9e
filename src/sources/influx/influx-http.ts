/**
 * The InfluxDB side of src/net: the retry policy both InfluxDB sources share, and the streaming transport of
 * the 1.x source. One attempt = one complete query; partial results of a failed attempt are discarded by the
 * caller, so a retry never mixes rows of two responses. Retried: 408, 429, 500, 502–504, connection errors,
 * idle timeouts. Not retried: other 4xx (wrong credentials, unknown db) and the caller's own cancellation.
 * A query streams as long as bytes keep coming (idle timeout), but never past the total deadline.
 */
import { fetchAttempt, hostPort, isRetryableStatus, readTextPrefix } from '../../net/http-request.ts';
import { RetryableError } from '../../net/net-errors.ts';
import { retry, type Attempt, type RetryPolicy } from '../../net/retry.ts';

export { parseRetryAfter } from '../../net/retry-after.ts';
export { RetryableError as RetriableError } from '../../net/net-errors.ts';
export { hostPort };
export type { Attempt };

export interface RetryOptions extends RetryPolicy {
  /** An attempt is abandoned when no byte arrives for this long (`timeoutMs` in the source config). */
  idleTimeoutMs: number;
  /** One query with all its retries stops after this long (`deadlineMs` in the source config). */
  deadlineMs: number;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  retries: 3,
  minDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
  idleTimeoutMs: 30_000,
  // Large raw pulls stream for minutes on a healthy server; ten minutes still stops a trickling one.
  deadlineMs: 600_000,
};

/** 500 counts: InfluxDB answers it for overload and timeouts of the query engine, which a later try survives. */
export function isRetriableStatus(status: number): boolean {
  return isRetryableStatus(status, { retry500: true });
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

/**
 * Runs `fn` until it succeeds, a non-retriable error occurs, or the retries or the deadline are used up. `fn`
 * must throw a `RetriableError` (or a raw connection error) for failures worth another attempt.
 */
export function withRetries<T>(fn: (attempt: Attempt) => Promise<T>, options: WithRetriesOptions): Promise<T> {
  return retry(fn, { ...options.retry, what: options.what, signal: options.signal, log: options.log, random: options.random });
}

/** Cheap reachability check (1.x and 2.x both answer /ping with 204), one attempt, for /readyz. */
export async function pingInflux(url: URL, retryOptions: RetryOptions, where: string, signal?: AbortSignal): Promise<void> {
  await withRetries(
    async (attempt) => {
      const res = await fetchAttempt({ url: new URL('/ping', url) }, attempt);
      await res.body?.cancel();
      if (res.status !== 204 && res.status !== 200) throw new RetryableError(`/ping answered ${res.status}`);
    },
    { retry: { ...retryOptions, retries: 0 }, what: `${where}: ping`, signal },
  );
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
  const res = await fetchAttempt(req, req.attempt);
  if (res.status < 200 || res.status > 299) {
    onError({ status: res.status, body: await readTextPrefix(res), retryAfter: res.headers.get('retry-after') });
  }
  if (!res.body) return 0;
  const decoder = new TextDecoder();
  let pending = '';
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
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
