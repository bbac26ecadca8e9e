/**
 * The InfluxDB side of src/net: the retry policy both InfluxDB sources share, and the streaming transport of
 * the 1.x source. One attempt = one complete query; partial results of a failed attempt are discarded by the
 * caller, so a retry never mixes rows of two responses. 1.x answers stream as MessagePack or JSON documents. Retried: 408, 429, 500, 502–504, connection errors,
 * idle timeouts. Not retried: other 4xx (wrong credentials, unknown db) and the caller's own cancellation.
 * A query streams as long as bytes keep coming (idle timeout), but never past the total deadline.
 */
import { DEFAULT_ERROR_BODY_CHARS, fetchAttempt, hostPort, isRetryableStatus } from '../../net/http-request.ts';
import { RetryableError } from '../../net/net-errors.ts';
import { nodeHttpAttempt, type StreamedResponse } from '../../net/node-http-attempt.ts';
import { retry, type Attempt, type RetryPolicy } from '../../net/retry.ts';
import { MsgpackDocuments } from './msgpack-documents.ts';

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

/** The body formats a 1.x `/query` answer comes in; which one is read from the answer's Content-Type. */
export type V1BodyFormat = 'msgpack' | 'json';

export const MSGPACK_TYPE = 'application/x-msgpack';

export interface StreamedBody {
  bytes: number;
  format: V1BodyFormat;
}

/** Bytes of an error answer kept: a MessagePack error map must arrive whole to be read. */
const ERROR_BODY_BYTES = 64 * 1024;

/** A 1.x error body as text: the `error` of a MessagePack map (influxd answers errors in the format asked), or the text. */
async function errorText(res: StreamedResponse): Promise<string> {
  const bytes = await res.prefix(ERROR_BODY_BYTES);
  if (!isMsgpack(res)) return new TextDecoder().decode(bytes).slice(0, DEFAULT_ERROR_BODY_CHARS);
  try {
    const docs = new MsgpackDocuments().push(bytes);
    const err = (docs[0] as { error?: unknown } | undefined)?.error;
    return typeof err === 'string' ? err : '';
  } catch {
    return '';
  }
}

function isMsgpack(res: StreamedResponse): boolean {
  return (res.header('content-type') ?? '').toLowerCase().startsWith(MSGPACK_TYPE);
}

/**
 * Sends one request and hands the body to `onDocument` one document at a time as it streams in (one per chunk of
 * a 1.x chunked answer). The format follows the answer's Content-Type, not what was asked: a server or proxy that
 * does not do MessagePack answers JSON lines, and those are read instead. Non-2xx answers go to `onError`, which
 * must throw. A document that does not parse, or a body that ends inside one, is a RetriableError (a connection
 * cut mid-chunk) naming `what`.
 */
/**
 * `numericValues`: MessagePack series values of numbers, nil and booleans arrive as NumericRows (raw pulls; see
 * numeric-rows.ts). A JSON answer always has plain arrays.
 */
export async function streamDocuments(
  req: StreamRequest,
  what: string,
  onDocument: (doc: unknown) => void,
  onError: (e: ResponseError) => never,
  options: { numericValues?: boolean } = {},
): Promise<StreamedBody> {
  // node:http, not fetch: a raw answer is tens of megabytes, and fetch's web streams cost the client CPU it shares
  // with the database (net/node-http-attempt.ts).
  const res = await nodeHttpAttempt(req, req.attempt);
  if (res.status < 200 || res.status > 299) {
    onError({ status: res.status, body: await errorText(res), retryAfter: res.header('retry-after') });
  }
  const format: V1BodyFormat = isMsgpack(res) ? 'msgpack' : 'json';
  const body = res.body;
  const bytes = format === 'msgpack' ? await readMsgpack(body, what, onDocument, options) : await readJsonLines(body, what, onDocument);
  return { bytes, format };
}

async function readMsgpack(body: AsyncIterable<Uint8Array>, what: string, onDocument: (doc: unknown) => void, options: { numericValues?: boolean }): Promise<number> {
  const decoder = new MsgpackDocuments(options);
  let bytes = 0;
  const decoded = (step: () => unknown[]): unknown[] => {
    try {
      return step();
    } catch (e) {
      // A cut-off or garbled document means the connection broke mid-chunk: worth another attempt.
      throw new RetryableError(`${what}: malformed MessagePack chunk from the server after ${bytes} bytes: ${(e as Error).message}`, { cause: e });
    }
  };
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    for (const doc of decoded(() => decoder.push(chunk))) onDocument(doc);
  }
  for (const doc of decoded(() => decoder.end())) onDocument(doc);
  return bytes;
}

async function readJsonLines(body: AsyncIterable<Uint8Array>, what: string, onDocument: (doc: unknown) => void): Promise<number> {
  const decoder = new TextDecoder();
  let pending = '';
  let bytes = 0;
  const parse = (line: string): void => {
    if (line.trim() === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      throw new RetryableError(`${what}: malformed JSON chunk from the server`, { cause: e });
    }
    onDocument(doc);
  };
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      parse(line);
    }
  }
  pending += decoder.decode();
  parse(pending);
  return bytes;
}
