/**
 * A small client of the Prometheus HTTP API (`/api/v1/query_range`, `/api/v1/query`) over the shared transport
 * (src/net: idle timeout, total deadline, retries with Retry-After, cancellation). The same API is served by
 * Thanos Query, Grafana Mimir / Cortex (under their prefix, e.g. /prometheus) and VictoriaMetrics, so nothing
 * here is specific to one engine. Every message names the server and the PromQL that failed.
 * Retried: 408, 429, 502–504 (Prometheus answers 503 while starting or overloaded), connection errors, stalls.
 * Final: 400 bad_data (a query we built wrong), 422 execution errors (too many points, too many samples), 401/403.
 */
import { AppError } from '../../errors.ts';
import { hostPort, retryingFetch, type HttpStatus } from '../../net/http-request.ts';
import { RetryableError } from '../../net/net-errors.ts';
import type { PrometheusSettings } from './prometheus-config.ts';

/** One series of a matrix (range query) or vector (instant query) result. */
export interface PromSeries {
  metric: Record<string, string>;
  /** [time in seconds, value as text]; a vector sample has one entry. */
  values: Array<[number, string]>;
}

export interface PromResult {
  series: PromSeries[];
  /** Warnings the server attached (partial responses of Thanos stores, for example). */
  warnings: string[];
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  warnings?: string[];
  data?: { resultType?: string; result?: Array<{ metric?: Record<string, string>; values?: Array<[number, string]>; value?: [number, string] }> };
}

/** Shortened PromQL for messages (whitespace collapsed). */
function shown(promql: string): string {
  const one = promql.replace(/\s+/g, ' ').trim();
  return one.length > 400 ? `${one.slice(0, 400)}…` : one;
}

export class PrometheusApi {
  /** e.g. `Prometheus at 127.0.0.1:9090`: names the server in every message. */
  readonly where: string;

  constructor(private readonly settings: PrometheusSettings) {
    const prefix = settings.url.pathname.replace(/\/+$/, '');
    this.where = `Prometheus at ${hostPort(settings.url)}${prefix}`;
  }

  private endpoint(path: string): URL {
    const base = this.settings.url.href.replace(/\/+$/, '');
    return new URL(`${base}/api/v1/${path}`);
  }

  /** query_range from `startMs` to `endMs` (both evaluated) every `stepMs`. */
  queryRange(promql: string, startMs: number, endMs: number, stepMs: number, what: string, signal?: AbortSignal, log?: (m: string) => void): Promise<PromResult> {
    const body = new URLSearchParams({ query: promql, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) });
    return this.post('query_range', body, 'matrix', what, promql, signal, log);
  }

  /** Instant query evaluated at `timeMs`. */
  query(promql: string, timeMs: number, what: string, signal?: AbortSignal, log?: (m: string) => void): Promise<PromResult> {
    const body = new URLSearchParams({ query: promql, time: String(timeMs / 1000) });
    return this.post('query', body, 'vector', what, promql, signal, log);
  }

  /** Cheap reachability check for /readyz: an instant query of a constant (any engine of the API answers it). */
  async ping(signal?: AbortSignal): Promise<void> {
    await this.query('vector(1)', Date.now(), 'ping', signal);
  }

  // POST with a form body: the same parameters as GET, without a URL length limit for long selectors.
  private post(path: string, body: URLSearchParams, resultType: 'matrix' | 'vector', what: string, promql: string, signal?: AbortSignal, log?: (m: string) => void): Promise<PromResult> {
    const label = `${this.where}: ${what} (PromQL: ${shown(promql)})`;
    return retryingFetch(
      { url: this.endpoint(path), method: 'POST', headers: { ...this.settings.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body },
      {
        ...this.settings.retry,
        what: label,
        signal,
        log,
        statusError: (s: HttpStatus) => statusError(label, s),
      },
      async (res) => {
        let parsed: ApiBody;
        try {
          parsed = (await res.json()) as ApiBody;
        } catch (e) {
          // A body cut off mid-way (a proxy dropping the connection) is worth another attempt.
          throw new RetryableError(`response is not complete JSON: ${(e as Error).message}`, { cause: e });
        }
        if (parsed.status !== 'success' || parsed.data?.resultType !== resultType || !Array.isArray(parsed.data.result)) {
          throw new AppError('UPSTREAM', `${label}: unexpected answer (status ${String(parsed.status)}, result type ${String(parsed.data?.resultType)}, expected ${resultType})`);
        }
        const series = parsed.data.result.map((r) => ({ metric: r.metric ?? {}, values: r.values ?? (r.value ? [r.value] : []) }));
        return { series, warnings: parsed.warnings ?? [] };
      },
    );
  }
}

/** Prometheus' JSON error (`errorType`, `error`) in the message; codes by status. */
function statusError(label: string, s: HttpStatus): Error {
  let detail = s.body.trim();
  try {
    const b = JSON.parse(detail) as ApiBody;
    if (b.error) detail = `${b.errorType ?? 'error'}: ${b.error}`;
  } catch {
    // not JSON (a proxy's HTML page): keep the text
  }
  const text = `${label}: HTTP ${s.status}${detail ? `: ${detail.slice(0, 500)}` : ''}`;
  const code = s.status === 401 ? 'UNAUTHORIZED' : s.status === 403 ? 'FORBIDDEN' : s.status === 404 ? 'NOT_FOUND' : 'UPSTREAM';
  return new AppError(code, text);
}
