/**
 * JSON over HTTP to the Unleash Admin API with a per-try timeout and bounded retries with exponential
 * backoff. Only requests the caller declares idempotent are retried (every request aftershock sends is:
 * GET, PUT of a whole strategy, POST …/on|off), so a retry after a lost response cannot apply twice.
 * Errors become AppErrors that say what to fix; the token never appears in a message.
 */
import { AppError } from '../../errors.ts';

export interface UnleashHttpOptions {
  /** Base URL, e.g. http://127.0.0.1:4242 (a trailing slash is fine). */
  url: string;
  /** The whole admin token string, e.g. `*:*.secret`. */
  token: string;
  timeoutMs: number;
  /** Extra tries after the first, for network errors, timeouts, 429 and 5xx. */
  retries: number;
  retryBaseMs: number;
}

export const DEFAULT_UNLEASH_TIMEOUT_MS = 5000;
export const DEFAULT_UNLEASH_RETRIES = 2;
export const DEFAULT_UNLEASH_RETRY_BASE_MS = 200;

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

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class UnleashHttp {
  readonly baseUrl: string;
  private readonly options: UnleashHttpOptions;

  constructor(options: UnleashHttpOptions) {
    this.options = options;
    this.baseUrl = options.url.replace(/\/+$/, '');
  }

  /** Sends one request (retrying as described above) and returns the parsed JSON body (null for empty). */
  async request<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const what = `Unleash ${method} ${path}`;
    let lastError: AppError | null = null;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (attempt > 0) await sleep(this.options.retryBaseMs * 2 ** (attempt - 1), signal);
      const timeout = AbortSignal.timeout(this.options.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await fetch(this.baseUrl + path, {
          method,
          headers: {
            Authorization: this.options.token,
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: combined,
        });
      } catch (e) {
        if (signal?.aborted) throw e;
        lastError = timeout.aborted
          ? new AppError('TIMEOUT', `${what}: no answer within ${this.options.timeoutMs} ms (${attempt + 1} tries)`, { cause: e })
          : new AppError('UPSTREAM', `${what}: Unleash at ${this.baseUrl} is unreachable: ${causeText(e)} (${attempt + 1} tries)`, { cause: e });
        continue;
      }
      const text = await res.text().catch(() => '');
      if (res.ok) {
        if (!text) return null as T;
        try {
          return JSON.parse(text) as T;
        } catch {
          // e.g. a proxy's HTML page: not Unleash, or not the admin API.
          throw new AppError('UPSTREAM', `${what}: answered ${res.status} with a body that is not JSON (${text.slice(0, 80).replace(/\s+/g, ' ')}…); is ${this.baseUrl} the Unleash server?`);
        }
      }
      const msg = upstreamMessage(text);
      if (res.status === 401) {
        throw new AppError('UNAUTHORIZED', `${what}: Unleash rejected the admin token (401: ${msg}); check unleash.adminToken / UNLEASH_ADMIN_TOKEN — the header carries the whole token, e.g. "*:*.<secret>"`);
      }
      if (res.status === 403) throw new AppError('UPSTREAM', `${what}: Unleash refused (403: ${msg}); the token may lack admin permissions on this project`);
      if (res.status === 404) throw new AppError('NOT_FOUND', `${what}: not found in Unleash (${msg})`);
      lastError = new AppError('UPSTREAM', `${what}: Unleash answered ${res.status}: ${msg}${attempt > 0 ? ` (${attempt + 1} tries)` : ''}`);
      if (res.status !== 429 && res.status < 500) throw lastError;
    }
    throw lastError ?? new AppError('INTERNAL', `${what}: no attempt made`);
  }
}

function causeText(e: unknown): string {
  const err = e as { cause?: { code?: string; message?: string }; message?: string };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
