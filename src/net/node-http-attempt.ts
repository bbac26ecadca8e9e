/**
 * One HTTP attempt over node:http(s), its body read as a Node stream: for answers of many megabytes (InfluxDB 1.x
 * raw pulls). fetch hands a body through WHATWG streams (undici's, then fetchAttempt's idle-timer TransformStream),
 * which cost a promise chain per chunk: in `node --cpu-prof` of a 94 MB MessagePack answer (2026-12-06) that was
 * ≈ 0.4–0.5 s of the client's 2.9 s, on cores the client shares with the database it reads.
 *
 * Same contract as fetchAttempt (http-request.ts): the attempt's signal aborts the request and its body, the headers
 * and every chunk touch the idle timer, user info in the URL becomes Basic auth, a URLSearchParams body is sent as a
 * form (as fetch does). A body cut off mid-stream fails with node's ECONNRESET ("aborted"), a connection failure that
 * net-errors retries. Redirects are not followed: a 3xx is an answer like any other non-2xx.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AppError } from '../errors.ts';
import { withBasicAuth, type HttpRequest } from './http-request.ts';
import type { Attempt } from './retry.ts';

export interface StreamedResponse {
  readonly status: number;
  readonly statusText: string;
  /** A header's value (several joined by ", "), null without one. */
  header(name: string): string | null;
  /** The body chunk by chunk; each chunk touches the idle timer. Read it once (or call `discard`). */
  readonly body: AsyncIterable<Uint8Array>;
  /** At most `maxBytes` of the body (the rest is not read); what arrived if it breaks off. */
  prefix(maxBytes: number): Promise<Uint8Array>;
  /** Stops reading and frees the connection. */
  discard(): void;
}

function encodedBody(body: HttpRequest['body'], headers: Record<string, string>): Buffer | undefined {
  if (body === undefined) return undefined;
  const has = (name: string): boolean => Object.keys(headers).some((h) => h.toLowerCase() === name);
  if (body instanceof URLSearchParams) {
    if (!has('content-type')) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    return Buffer.from(body.toString());
  }
  if (typeof body === 'string') {
    if (!has('content-type')) headers['content-type'] = 'text/plain;charset=UTF-8';
    return Buffer.from(body);
  }
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

async function* touching(res: IncomingMessage, touch: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of res) {
    touch();
    yield chunk as Buffer;
  }
}

export function nodeHttpAttempt(req: HttpRequest, attempt: Attempt): Promise<StreamedResponse> {
  const { url, headers } = withBasicAuth(req);
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (transport === null) return Promise.reject(new AppError('BAD_INPUT', `unsupported protocol ${url.protocol} (http: or https:)`));
  const payload = encodedBody(req.body, headers);
  if (payload !== undefined) headers['content-length'] = String(payload.byteLength);
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: req.method ?? 'GET', headers, signal: attempt.signal }, (res) => {
      attempt.touch();
      let used = false;
      const once = (): void => {
        if (used) throw new Error('the response body was already read');
        used = true;
      };
      resolve({
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        header: (name) => {
          const v = res.headers[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        },
        get body() {
          once();
          return touching(res, attempt.touch);
        },
        prefix: async (maxBytes) => {
          once();
          const parts: Buffer[] = [];
          let n = 0;
          try {
            for await (const chunk of touching(res, attempt.touch)) {
              parts.push(chunk as Buffer);
              n += chunk.byteLength;
              if (n >= maxBytes) break;
            }
          } catch {
            // cut off or aborted: keep what arrived
          }
          res.destroy();
          return Buffer.concat(parts).subarray(0, maxBytes);
        },
        discard: () => {
          used = true;
          res.destroy();
        },
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}
