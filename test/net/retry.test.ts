/**
 * src/net against real local HTTP servers that misbehave for real: 5xx and 429 with Retry-After (seconds and
 * HTTP-date), connection resets, a stall before the headers, a trickle that keeps the idle timer happy until
 * the total deadline stops it, and aborts during a request and during the backoff sleep. Timings are only
 * asserted from below (a busy 2-core machine may be slow, never fast), except for loose "it did stop" bounds.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { retryingFetch, type RetryingFetchOptions } from '../../src/net/http-request.ts';
import { RetryableError } from '../../src/net/net-errors.ts';
import { retry } from '../../src/net/retry.ts';
import { serversClosedAfterEach, trickle } from './net-test-server.ts';

const server = serversClosedAfterEach();

const FAST: RetryingFetchOptions = { retries: 3, minDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5000 };
const text = (res: Response): Promise<string> => res.text();
const get = (url: string, options: Partial<RetryingFetchOptions> = {}): Promise<string> => retryingFetch({ url }, { ...FAST, ...options }, text);

async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('retryingFetch: what is retried', () => {
  it('retries 503 until it succeeds, logging each retry', async () => {
    const s = await server((_req, res, n) => (n < 3 ? res.writeHead(503).end('starting') : res.writeHead(200).end('ok')));
    const logs: string[] = [];
    expect(await get(`${s.url}/x`, { log: (m) => logs.push(m) })).toBe('ok');
    expect(s.hits).toHaveLength(3);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(new RegExp(`^GET 127\\.0\\.0\\.1:${s.port}/x: attempt 1 failed \\(HTTP 503: starting\\); retrying in \\d+ ms$`));
  });

  it('gives up after retries + 1 attempts, naming the server and the last failure', async () => {
    const s = await server((_req, res) => res.writeHead(502).end('bad gateway'));
    const e = await failure(get(`${s.url}/q?token=abc`));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toBe(`GET 127.0.0.1:${s.port}/q: failed after 4 attempts: HTTP 502: bad gateway`);
    expect(s.hits).toHaveLength(4);
  });

  it('retries 500 only when the caller says so', async () => {
    const s = await server((_req, res) => res.writeHead(500).end('boom'));
    const once = await failure(get(s.url));
    expect(once.code).toBe('UPSTREAM');
    expect(once.message).toContain('HTTP 500: boom');
    expect(s.hits).toHaveLength(1);
    const e = await failure(get(s.url, { retry500: true }));
    expect(e.message).toMatch(/failed after 4 attempts: HTTP 500: boom$/);
    expect(s.hits).toHaveLength(5);
  });

  it.each([
    [400, 'UPSTREAM'],
    [401, 'UNAUTHORIZED'],
    [403, 'UPSTREAM'],
    [404, 'NOT_FOUND'],
    [501, 'UPSTREAM'],
  ] as const)('never retries %i (→ %s)', async (status, code) => {
    const s = await server((_req, res) => res.writeHead(status).end('no'));
    const e = await failure(get(s.url, { retry500: true }));
    expect(e.code).toBe(code);
    expect(e.message).toBe(`GET 127.0.0.1:${s.port}/: HTTP ${status}: no`);
    expect(s.hits).toHaveLength(1);
  });

  it('retries a connection reset, also one in the middle of the body, and returns the complete body', async () => {
    const s = await server((_req, res, n) => {
      if (n === 1) return res.socket?.resetAndDestroy();
      if (n === 2) {
        res.writeHead(200, { 'content-length': '10' });
        res.write('half');
        return void setTimeout(() => res.socket?.resetAndDestroy(), 20);
      }
      res.writeHead(200).end('the answer');
    });
    const logs: string[] = [];
    expect(await get(s.url, { log: (m) => logs.push(m) })).toBe('the answer');
    expect(s.hits).toHaveLength(3);
    expect(logs.every((m) => /ECONNRESET|UND_ERR_SOCKET|terminated/.test(m))).toBe(true);
  });

  it('a server that always resets: UPSTREAM after all attempts, with the errno code', async () => {
    const s = await server((_req, res) => res.socket?.resetAndDestroy());
    const e = await failure(get(s.url));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/failed after 4 attempts: .*(ECONNRESET|UND_ERR_SOCKET)/);
  });

  it('a read that throws an AppError stops at once; a RetryableError from the read is retried', async () => {
    const s = await server((_req, res, n) => res.writeHead(200).end(n === 1 ? '{"cut' : '{"ok":true}'));
    const parse = async (res: Response): Promise<unknown> => {
      const t = await res.text();
      try {
        return JSON.parse(t);
      } catch (e) {
        throw new RetryableError('malformed JSON', { cause: e });
      }
    };
    expect(await retryingFetch({ url: s.url }, FAST, parse)).toEqual({ ok: true });
    expect(s.hits).toHaveLength(2);
    const stop = retryingFetch({ url: s.url }, FAST, () => Promise.reject(new AppError('BAD_INPUT', 'not what we asked for')));
    expect((await failure(stop)).message).toBe('not what we asked for');
    expect(s.hits).toHaveLength(3);
  });
});

describe('retryingFetch: Retry-After', () => {
  it('waits the seconds a 429 asks for', async () => {
    const s = await server((_req, res, n) => (n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end('slow down') : res.writeHead(200).end('ok')));
    const logs: string[] = [];
    expect(await get(s.url, { log: (m) => logs.push(m) })).toBe('ok');
    expect(s.hits[1] - s.hits[0]).toBeGreaterThanOrEqual(950);
    expect(logs[0]).toMatch(/HTTP 429: slow down\); retrying in 1000 ms$/);
  });

  it('waits until an HTTP-date', async () => {
    const s = await server((_req, res, n) => {
      if (n > 1) return res.writeHead(200).end('ok');
      // HTTP-dates have whole seconds: 2 s ahead is 1–2 s from now
      res.writeHead(503, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }).end();
    });
    expect(await get(s.url)).toBe('ok');
    expect(s.hits[1] - s.hits[0]).toBeGreaterThanOrEqual(900);
  });

  it('a Retry-After over the cap fails at once instead of stalling', async () => {
    const s = await server((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end('maintenance'));
    const started = Date.now();
    const e = await failure(get(s.url));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toBe(`GET 127.0.0.1:${s.port}/: server asked to retry after 120 s (over the 5 s limit): HTTP 503: maintenance`);
    expect(s.hits).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('retryingFetch: timeouts and the total deadline', () => {
  it('a server that stalls before its headers: the idle timeout abandons each attempt', async () => {
    const s = await server(() => undefined);
    const e = await failure(get(s.url, { retries: 1, idleTimeoutMs: 100 }));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/failed after 2 attempts: no data for 100 ms$/);
    expect(s.hits).toHaveLength(2);
  });

  it('the attempt timeout is not reset by arriving bytes', async () => {
    const s = await server((_req, res) => trickle(res, 20));
    const e = await failure(get(s.url, { retries: 1, idleTimeoutMs: 5000, attemptTimeoutMs: 200 }));
    expect(e.message).toMatch(/failed after 2 attempts: no answer within 200 ms$/);
    expect(s.hits).toHaveLength(2);
  });

  it('bytes that keep coming keep the idle timer from firing', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      let i = 0;
      const t = setInterval(() => (++i < 20 ? res.write('.') : (clearInterval(t), res.end('!'))), 60);
    });
    const started = Date.now();
    expect(await get(s.url, { idleTimeoutMs: 500 })).toBe(`${'.'.repeat(19)}!`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // twice the idle timeout, in one attempt
    expect(s.hits).toHaveLength(1);
  });

  it('a trickle under the idle timeout is still stopped by the total deadline (TIMEOUT), and the socket is closed', async () => {
    const s = await server((_req, res) => trickle(res, 40));
    const started = Date.now();
    const e = await failure(get(s.url, { idleTimeoutMs: 1000, deadlineMs: 1500 }));
    const took = Date.now() - started;
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe(`GET 127.0.0.1:${s.port}/: not done within the total deadline of 1500 ms (attempt 1 was still running)`);
    expect(took).toBeGreaterThanOrEqual(1450);
    expect(took).toBeLessThan(15_000);
    expect(s.hits).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.abandoned()).toBe(1);
  });

  it('the deadline covers the waits too: a backoff that would end past it fails at once', async () => {
    const s = await server((_req, res) => res.writeHead(503).end('busy'));
    const started = Date.now();
    const e = await failure(get(s.url, { minDelayMs: 10_000, maxDelayMs: 20_000, deadlineMs: 500 }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toMatch(/total deadline of 500 ms \(the next attempt would start \d+ ms after 1 attempt, past it\); last failure: HTTP 503: busy$/);
    expect(s.hits).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(4000); // the wait would have been ≥ 5 s
  });

  it('a deadline that ends a later attempt names the earlier failure', async () => {
    const s = await server((_req, res, n) => (n === 1 ? res.writeHead(503).end('busy') : undefined)); // then stalls
    const e = await failure(get(s.url, { deadlineMs: 500 }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe(`GET 127.0.0.1:${s.port}/: not done within the total deadline of 500 ms (attempt 2 was still running); last failure: HTTP 503: busy`);
    expect(s.hits).toHaveLength(2);
  });
});

describe('retryingFetch: cancellation', () => {
  it('an abort during a request stops it at once', async () => {
    const s = await server(() => undefined);
    const ctl = new AbortController();
    const started = Date.now();
    setTimeout(() => ctl.abort(), 100);
    const e = await failure(get(s.url, { idleTimeoutMs: 20_000, signal: ctl.signal }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe(`GET 127.0.0.1:${s.port}/: cancelled`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(s.hits).toHaveLength(1);
  });

  it('an abort during the backoff sleep stops it at once, with the caller’s own AppError when it gave one', async () => {
    const s = await server((_req, res) => res.writeHead(503).end('busy'));
    const ctl = new AbortController();
    const started = Date.now();
    const p = get(s.url, { minDelayMs: 30_000, maxDelayMs: 30_000, signal: ctl.signal });
    while (s.hits.length === 0) await new Promise((r) => setTimeout(r, 10));
    setTimeout(() => ctl.abort(new AppError('TIMEOUT', 'analysis cancelled by the user')), 50);
    const e = await failure(p);
    expect(e.message).toBe('analysis cancelled by the user');
    expect(Date.now() - started).toBeLessThan(15_000); // the backoff was ≥ 15 s
    expect(s.hits).toHaveLength(1);
  });

  it('a caller\'s AbortSignal.timeout() reads as its time limit, not as a cancel', async () => {
    const s = await server(() => undefined);
    const e = await failure(get(s.url, { signal: AbortSignal.timeout(100) }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe(`GET 127.0.0.1:${s.port}/: cancelled: the caller's time limit ran out`);
  });

  it('an already aborted signal sends nothing', async () => {
    const s = await server((_req, res) => res.writeHead(200).end('ok'));
    const e = await failure(get(s.url, { signal: AbortSignal.abort() }));
    expect(e.message).toContain('cancelled');
    expect(s.hits).toHaveLength(0);
  });
});

describe('retryingFetch: credentials', () => {
  it('user:password@ in the URL becomes a Basic header and never appears in a message or log', async () => {
    const auth: string[] = [];
    const s = await server((req, res) => {
      auth.push(String(req.headers.authorization));
      res.writeHead(503).end('down');
    });
    const logs: string[] = [];
    const e = await failure(get(`http://alice:s3cret@127.0.0.1:${s.port}/db`, { log: (m) => logs.push(m) }));
    expect(auth[0]).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(e.message).toContain(`127.0.0.1:${s.port}/db`);
    for (const text of [e.message, ...logs]) {
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('alice');
    }
  });

  it('nor when the connection is refused', async () => {
    const s = await server(() => undefined);
    const port = s.port;
    await s.close();
    const e = await failure(get(`http://alice:s3cret@127.0.0.1:${port}/db`, { retries: 1 }));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(new RegExp(`^GET 127\\.0\\.0\\.1:${port}/db: failed after 2 attempts: .*ECONNREFUSED`));
    expect(e.message).not.toMatch(/alice|s3cret/);
  });
});

describe('retry: attempts and backoff growth', () => {
  const delaysOf = (logs: string[]): number[] => logs.map((m) => Number(/retrying in (\d+) ms/.exec(m)?.[1]));

  it('makes retries + 1 attempts with capped, exponentially growing delays (equal jitter by default)', async () => {
    const run = async (u: number, jitter?: 'full' | 'equal'): Promise<{ delays: number[]; attempts: number }> => {
      let attempts = 0;
      const logs: string[] = [];
      const p = retry(
        async () => {
          attempts++;
          throw new RetryableError('nope');
        },
        { what: 'op', retries: 5, minDelayMs: 10, maxDelayMs: 40, maxRetryAfterMs: 1000, jitter, random: () => u, log: (m) => logs.push(m) },
      );
      const e = await failure(p);
      expect(e.message).toBe('op: failed after 6 attempts: nope');
      return { delays: delaysOf(logs), attempts };
    };
    // caps 10, 20, 40, 40, 40: equal jitter waits between half the cap and the cap, full jitter up to the cap
    expect(await run(0)).toEqual({ delays: [5, 10, 20, 20, 20], attempts: 6 });
    expect((await run(0.999)).delays).toEqual([10, 20, 40, 40, 40]);
    expect((await run(0, 'full')).delays).toEqual([0, 0, 0, 0, 0]);
    expect((await run(0.5, 'full')).delays).toEqual([5, 10, 20, 20, 20]);
  });

  it('real waits between attempts on a real server grow and stay above the jitter floor', async () => {
    const s = await server((_req, res) => res.writeHead(503).end());
    await failure(get(s.url, { retries: 3, minDelayMs: 60, maxDelayMs: 200 }));
    const gaps = s.hits.slice(1).map((t, i) => t - s.hits[i]);
    // equal jitter: at least half of 60, 120, 200 (capped from 240)
    expect(gaps[0]).toBeGreaterThanOrEqual(30 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(60 - 5);
    expect(gaps[2]).toBeGreaterThanOrEqual(100 - 5);
  });

  it('an error that is neither retryable nor an AppError ends the loop at once as UPSTREAM', async () => {
    let attempts = 0;
    const e = await failure(
      retry(
        async () => {
          attempts++;
          throw new TypeError('Invalid URL');
        },
        { what: 'op', retries: 3, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
      ),
    );
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toBe('op: Invalid URL');
    expect(attempts).toBe(1);
  });

  it('stops at once on abort even when the attempt ignores its signal', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const started = Date.now();
    const e = await failure(retry(() => new Promise(() => undefined), { what: 'op', retries: 0, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1, signal: ctl.signal }));
    expect(e.message).toBe('op: cancelled');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
