/**
 * nodeHttpAttempt (src/net/node-http-attempt.ts) against real local servers: what it sends (form body, Basic auth
 * from the URL's user info, nothing of the user info in the request line), and how it fails inside the retry loop
 * of retry.ts: a body cut off mid-stream is retried as a connection failure, a body that stalls is stopped by the
 * idle timer, a caller's abort stops it for good. Timings only from below, as in retry.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { nodeHttpAttempt } from '../../src/net/node-http-attempt.ts';
import { retry } from '../../src/net/retry.ts';
import { serversClosedAfterEach, trickle } from './net-test-server.ts';

const server = serversClosedAfterEach();

const FAST = { retries: 2, minDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 1000 };

async function bodyText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

describe('nodeHttpAttempt', () => {
  it('sends a URLSearchParams body as a form, user info as Basic auth, and streams the answer', async () => {
    let seen: { method?: string; url?: string; type?: string; auth?: string; length?: string; body: string } = { body: '' };
    const s = await server((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, type: req.headers['content-type'], auth: req.headers.authorization, length: req.headers['content-length'], body };
        res.writeHead(200, { 'content-type': 'application/x-msgpack' });
        res.write('a'.repeat(50_000));
        setTimeout(() => res.end('b'.repeat(50_000)), 20);
      });
    });
    const url = s.url.replace('http://', 'http://us%20er:p%40ss@') + '/query';
    const got = await retry(
      async (attempt) => {
        const res = await nodeHttpAttempt({ url, method: 'POST', body: new URLSearchParams({ q: 'SELECT 1', db: 'x y' }) }, attempt);
        expect(res.status).toBe(200);
        expect(res.header('Content-Type')).toBe('application/x-msgpack');
        expect(res.header('x-missing')).toBeNull();
        return bodyText(res.body);
      },
      { ...FAST, what: 'query' },
    );
    expect(got).toBe('a'.repeat(50_000) + 'b'.repeat(50_000));
    expect(seen).toEqual({
      method: 'POST',
      url: '/query',
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
      auth: `Basic ${Buffer.from('us er:p@ss').toString('base64')}`,
      length: String('q=SELECT+1&db=x+y'.length),
      body: 'q=SELECT+1&db=x+y',
    });
  });

  it('a body cut off mid-stream is a retried connection failure; the next attempt reads it whole', async () => {
    const s = await server((_req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (n === 1) {
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
      } else res.end('whole');
    });
    const logs: string[] = [];
    const got = await retry(async (attempt) => bodyText((await nodeHttpAttempt({ url: s.url }, attempt)).body), { ...FAST, what: 'read', log: (m) => logs.push(m) });
    expect(got).toBe('whole');
    expect(s.hits.length).toBe(2);
    expect(logs[0]).toMatch(/read: attempt 1 failed \(.*ECONNRESET.*\); retrying/);
  });

  it('a body that stalls is stopped by the idle timer on every attempt, the message naming the idle time', async () => {
    const s = await server((_req, res) => trickle(res, 10_000));
    const t0 = Date.now();
    const e = await retry(async (attempt) => bodyText((await nodeHttpAttempt({ url: s.url }, attempt)).body), { ...FAST, retries: 1, idleTimeoutMs: 150, what: 'stalled' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).message).toMatch(/stalled: failed after 2 attempts: no data for 150 ms/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    // Each stalled connection was closed by the client, not left open.
    await new Promise((r) => setTimeout(r, 100));
    expect(s.abandoned()).toBe(2);
  });

  it("the caller's abort stops the attempt and is not retried", async () => {
    const s = await server((_req, res) => trickle(res, 10_000));
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('user cancelled')), 100);
    const e = await retry(async (attempt) => bodyText((await nodeHttpAttempt({ url: s.url }, attempt)).body), { ...FAST, signal: ctl.signal, what: 'cancelled' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).not.toBeNull();
    expect(s.hits.length).toBe(1);
  });

  it('prefix reads at most that many bytes of an answer and frees the connection', async () => {
    const s = await server((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      // and then nothing more: the connection stays open until the client lets go
      res.write('x'.repeat(100_000));
    });
    const bytes = await retry(async (attempt) => (await nodeHttpAttempt({ url: s.url }, attempt)).prefix(1000), { ...FAST, what: 'error body' });
    expect(bytes.byteLength).toBe(1000);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.abandoned()).toBe(1);
  });

  it('refuses a protocol it cannot speak, naming it', async () => {
    const e = await retry(async (attempt) => nodeHttpAttempt({ url: 'ftp://127.0.0.1/x' }, attempt), { ...FAST, what: 'ftp' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect((e as AppError).message).toMatch(/unsupported protocol ftp:/);
  });
});
