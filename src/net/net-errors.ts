/**
 * What the retry loop needs to know about a failure: is it worth another attempt (`RetryableError`, a
 * connection-level error code), when may we retry (`retryAfterMs`), and how to say it in one line
 * (`describe`, with the errno code that undici hides in `cause`). Credentials never reach a message.
 */
import { isAppError } from '../errors.ts';

/** A failure worth another attempt; `retryAfterMs` from the server's Retry-After header, when given. */
export class RetryableError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number | null } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetriableError';
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** An attempt abandoned by one of its own timers: `idle` = no byte for `ms`, `attempt` = not done within `ms`. */
export class AttemptTimeoutError extends RetryableError {
  readonly kind: 'idle' | 'attempt';
  readonly ms: number;
  constructor(kind: 'idle' | 'attempt', ms: number) {
    super(kind === 'idle' ? `no data for ${ms} ms` : `no answer within ${ms} ms`);
    this.name = 'AttemptTimeoutError';
    this.kind = kind;
    this.ms = ms;
  }
}

/** Connection-level failures: the request may not have reached the server, or its answer was cut off. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

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

/** Worth another attempt: our own retryable errors and connection failures (never a caller's AppError). */
export function isRetryable(e: unknown): boolean {
  return e instanceof RetryableError || connectionErrorCode(e) !== null;
}

/** `scheme://user:password@host` → `scheme://host` anywhere in a text (fetch puts whole URLs in messages). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1');
}

/** The error's message plus the innermost useful detail of its `cause` chain (errno code or message). */
export function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  let detail = connectionErrorCode(e);
  for (let cur: unknown = (e as { cause?: unknown })?.cause, depth = 0; !detail && cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    // An AppError in the chain is our own wording of the same failure (its code is ours, not a detail).
    if (isAppError(cur)) continue;
    const c = cur as { code?: unknown; message?: unknown };
    detail = typeof c.code === 'string' ? c.code : typeof c.message === 'string' && c.message ? c.message : null;
  }
  return redactCredentials(detail && !msg.includes(detail) ? `${msg} (${detail})` : msg);
}
