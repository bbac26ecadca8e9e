/**
 * UnleashHttp against small real HTTP servers on 127.0.0.1 playing a misbehaving Unleash: 5xx then success
 * (retried), 400 (not retried), a body that is not JSON, and a server that never answers (timeout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UnleashHttp } from '../../../src/actions/unleash/unleash-http.ts';
import { AppError } from '../../../src/errors.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: http.RequestListener): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const s = http.createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, hits: () => hits };
}

const client = (url: string, timeoutMs = 2000) => new UnleashHttp({ url, token: '*:*.secret', timeoutMs, retries: 2, retryBaseMs: 10 });

async function failure(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('UnleashHttp', () => {
  it('retries 503 and sends the whole token as Authorization', async () => {
    let n = 0;
    const seen: string[] = [];
    const s = await serve((req, res) => {
      seen.push(String(req.headers.authorization));
      if (++n < 3) return void res.writeHead(503).end('{"message":"starting"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    expect(await client(s.url).request('GET', '/api/admin/x')).toEqual({ ok: true });
    expect(s.hits()).toBe(3);
    expect(seen).toEqual(['*:*.secret', '*:*.secret', '*:*.secret']);
  });

  it('does not retry a 400, and reports Unleash’s own message', async () => {
    const s = await serve((_req, res) => void res.writeHead(400).end('{"name":"BadDataError","details":[{"message":"\\"rollout\\" must be a number"}]}'));
    const e = await failure(client(s.url).request('PUT', '/api/admin/x', {}));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toBe('Unleash PUT /api/admin/x: Unleash answered 400: "rollout" must be a number');
    expect(s.hits()).toBe(1);
  });

  it('gives up after the retries on 5xx, naming the tries', async () => {
    const s = await serve((_req, res) => void res.writeHead(500).end('boom'));
    const e = await failure(client(s.url).request('POST', '/api/admin/x/on'));
    expect(e.message).toMatch(/answered 500: boom \(3 tries\)/);
    expect(s.hits()).toBe(3);
  });

  it('a 200 that is not JSON is an UPSTREAM error asking whether this is Unleash', async () => {
    const s = await serve((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'));
    const e = await failure(client(s.url).request('GET', '/api/admin/x'));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/not JSON .*is http:\/\/127\.0\.0\.1:\d+ the Unleash server\?/);
  });

  it('times out each try and reports TIMEOUT', async () => {
    const s = await serve(() => undefined); // never answers
    const e = await failure(client(s.url, 200).request('GET', '/api/admin/x'));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe('Unleash GET /api/admin/x: no answer within 200 ms (3 tries)');
  });

  it('honours Retry-After on a 429', async () => {
    let n = 0;
    const at: number[] = [];
    const s = await serve((_req, res) => {
      at.push(Date.now());
      if (++n === 1) return void res.writeHead(429, { 'retry-after': '1' }).end('{"message":"rate limited"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    expect(await client(s.url).request('GET', '/api/admin/x')).toEqual({ ok: true });
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(950);
  });

  it('stops at the total deadline even when every try still has time', async () => {
    const s = await serve(() => undefined); // never answers
    const http = new UnleashHttp({ url: s.url, token: '*:*.secret', timeoutMs: 5000, retries: 2, retryBaseMs: 10, deadlineMs: 300 });
    const e = await failure(http.request('GET', '/api/admin/x'));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe('Unleash GET /api/admin/x: not done within the total deadline of 300 ms (attempt 1 was still running)');
    expect(s.hits()).toBe(1);
  });

  it('a refused connection is retried and named, without the token', async () => {
    const s = await serve(() => undefined);
    const url = s.url;
    for (const x of servers.splice(0)) {
      x.closeAllConnections();
      await new Promise((r) => x.close(r));
    }
    const e = await failure(client(url).request('GET', '/api/admin/x'));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toBe(`Unleash GET /api/admin/x: Unleash at ${url} is unreachable: ECONNREFUSED (3 tries)`);
    expect(e.message).not.toContain('secret');
  });
});
