/**
 * Issue 14, items 13, 14 and 19 (HTTP): hostile bodies are refused before they are parsed when the caller has no
 * token, and with a token they are 400s naming the field instead of 500s from the stack or from PostgreSQL; tokens
 * never reach the log, whatever the parameter is called and wherever in the request they were put; schema errors
 * name the allowed values and formats instead of Ajv's raw text.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/http/body-guards.ts';
import { READ_TOKEN, WRITE_TOKEN, auth, scriptedConfig, startTestService, type TestService } from './test-service.ts';

const upgradeAt = '2026-11-20T14:00:00Z';
const body = (extra: Record<string, unknown> = {}) => ({ source: 'ok:pass', upgradeAt, before: '2h', after: '2h', ...extra });
const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
/** A token configured only as a SHA-256 digest: the service never sees it in clear until a request carries it. */
const DIGEST_TOKEN = 'digest-only-token-5551212';

describe('hostile input and secrets (issue 14: 13, 14, 19)', () => {
  let svc: TestService;
  let postRoutes: string[];
  const FLAGGER = '/v1/gates/flagger';
  beforeAll(async () => {
    const config = scriptedConfig();
    (config.auth as { tokens: unknown[] }).tokens = [{ name: 'ci', scope: 'read', sha256: createHash('sha256').update(DIGEST_TOKEN).digest('hex') }];
    svc = await startTestService({ config });
    const doc = (await svc.app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    postRoutes = Object.entries(doc.paths)
      .filter(([, ops]) => 'post' in ops)
      .map(([p]) => p.replace(/\{[^}]+\}/g, '1'))
      // The Flagger gate is a READ route that Flagger calls with POST and no custom headers, so its token may come in
      // the body (metadata.token): it must parse before it can authenticate. Checked on its own below.
      .filter((p) => p !== FLAGGER);
  });
  afterAll(async () => svc?.close());

  const send = (url: string, payload: string, headers: Record<string, string> = {}) =>
    svc.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload });

  it('a deeply nested body without a token is a 401 on every write route: auth runs before the body is parsed', async () => {
    expect(postRoutes.length).toBeGreaterThanOrEqual(4);
    for (const url of postRoutes) {
      for (const payload of [nested(5000), `{"reason":${nested(5000)}}`]) {
        const res = await send(url, payload);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(401);
        // A read token is known but lacks the scope: 403, still before parsing.
        expect((await send(url, payload, auth(READ_TOKEN))).statusCode, url).toBe(403);
      }
    }
    expect(svc.logs.join('')).not.toContain('Maximum call stack size exceeded');
  });

  it('the Flagger gate, which reads its token from the body, refuses a deep body with a 400 (never a 500) and no token with a 401', async () => {
    for (const payload of [nested(5000), `{"metadata":${nested(5000)}}`]) {
      const res = await send(FLAGGER, payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(`deeper than ${MAX_JSON_DEPTH} levels`) });
    }
    const noToken = await send(FLAGGER, JSON.stringify({ name: 'shop', namespace: 'prod', phase: 'Progressing', metadata: { service: 'shop' } }));
    expect(noToken.statusCode, noToken.body).toBe(401);
    expect(svc.logs.join('')).not.toContain('Maximum call stack size exceeded');
  });

  it('with a write token, a body nested deeper than the limit is a 400 saying so, not a 500', async () => {
    for (const url of postRoutes) {
      const res = await send(url, `{"reason":${nested(5000)}}`, auth(WRITE_TOKEN));
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(`deeper than ${MAX_JSON_DEPTH} levels`) });
    }
    // Brackets inside strings are text, not nesting.
    const inString = await send('/v1/analyses', JSON.stringify(body({ services: ['['.repeat(150)] })), auth(WRITE_TOKEN));
    expect(inString.statusCode, inString.body).toBe(202);
    // Prototype poisoning is still refused by Fastify's own parser behind the depth check.
    const poisoned = await send('/v1/analyses', '{"__proto__":{"x":1},"source":"ok:pass","upgradeAt":"2026-11-20T14:00:00Z"}', auth(WRITE_TOKEN));
    expect(poisoned.statusCode).toBe(400);
  });

  it('a lone surrogate in any string (value or key) is a 400 naming the field, not a 500 from PostgreSQL jsonb', async () => {
    const cases: Array<[string, string, string]> = [
      ['/v1/analyses', '{"source":"ok:pass","upgradeAt":"2026-11-20T14:00:00Z","services":["\\ud800"]}', 'body.services.0'],
      ['/v1/analyses', '{"source":"ok:pass","upgradeAt":"2026-11-20T14:00:00Z","endpoints":["/a","x\\udc00"]}', 'body.endpoints.1'],
      ['/v1/actions/kill-switch', '{"reason":"why \\ud83d"}', 'body.reason'],
      ['/v1/actions/backoff-constants', '{"reason":"r","constants":{"\\ud800":1}}', 'body.constants'],
    ];
    for (const [url, payload, field] of cases) {
      const res = await send(url, payload, auth(WRITE_TOKEN));
      expect(res.statusCode, `${payload}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(field) });
      expect(res.json().message).toContain('surrogate');
    }
    // A proper surrogate pair (an emoji) is fine.
    expect((await send('/v1/analyses', JSON.stringify(body({ services: ['shop 🛒'] })), auth(WRITE_TOKEN))).statusCode).toBe(202);
  });

  it('times outside what telemetry (int64 ns) and PostgreSQL can hold are a 400 naming the field', async () => {
    for (const t of ['0000-01-01T00:00:00Z', '1600-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const res = await send('/v1/analyses', JSON.stringify(body({ upgradeAt: t })), auth(WRITE_TOKEN));
      expect(res.statusCode, `${t}: ${res.body}`).toBe(400);
      expect(res.json().message).toMatch(/upgradeAt: .* outside 1677-09-21.* – 2262-04-11/);
    }
    for (const q of ['from=0000-01-01T00:00:00Z', 'to=9999-01-01T00:00:00Z']) {
      const res = await svc.app.inject({ url: `/v1/analyses?${q}`, headers: auth(READ_TOKEN) });
      expect(res.statusCode, `${q}: ${res.body}`).toBe(400);
      expect(res.json().message).toContain(q.split('=')[0]);
    }
    expect(svc.logs.join('')).not.toContain('out of range');
  });

  it('tokens reach no log line: by parameter name (bearer), by value under any name or in the path, and as a request id', async () => {
    const requests: Array<{ url: string; headers?: Record<string, string> }> = [
      { url: `/v1/analyses?limit=1&bearer=${WRITE_TOKEN}` },
      { url: `/v1/analyses?limit=1&q=${READ_TOKEN}` },
      { url: `/v1/analyses?limit=1&x=prefix-${encodeURIComponent(WRITE_TOKEN)}-suffix` },
      { url: `/v1/analyses/${READ_TOKEN}`, headers: auth(READ_TOKEN) },
      { url: `/v1/analyses/${DIGEST_TOKEN}`, headers: auth(READ_TOKEN) },
      { url: `/v1/verdict?service=${DIGEST_TOKEN}`, headers: auth(READ_TOKEN) },
      { url: '/healthz', headers: { 'x-request-id': WRITE_TOKEN } },
      { url: '/healthz', headers: { 'x-request-id': DIGEST_TOKEN } },
      { url: '/no-such-route', headers: { authorization: `Bearer ${DIGEST_TOKEN}`, 'x-request-id': 'plain-id-1' } },
    ];
    for (const r of requests) {
      const res = await svc.app.inject(r);
      expect(res.statusCode, r.url).toBeLessThan(500);
      if (r.headers?.['x-request-id'] && r.headers['x-request-id'] !== 'plain-id-1') expect(res.headers['x-request-id'], r.url).toMatch(/^[0-9a-f-]{36}$/);
    }
    const logs = svc.logs.join('');
    expect(logs).toContain('bearer=[redacted]');
    expect(logs).toContain('plain-id-1');
    for (const secret of [WRITE_TOKEN, READ_TOKEN, DIGEST_TOKEN, encodeURIComponent(WRITE_TOKEN)]) expect(logs).not.toContain(secret);
  });

  it('schema errors name the allowed values and formats, not Ajv internals', async () => {
    const verdict = await svc.app.inject({ url: '/v1/analyses?verdict=bogus', headers: auth(READ_TOKEN) });
    expect(verdict.statusCode).toBe(400);
    expect(verdict.json().message).toBe('invalid request: querystring.verdict must be one of pass, warn, fail');
    const status = await svc.app.inject({ url: '/v1/actions?status=nope', headers: auth(READ_TOKEN) });
    expect(status.statusCode).toBe(400);
    expect(status.json().message).toMatch(/querystring\.status must be one of dry_run, .*applied/);

    const before = await send('/v1/analyses', JSON.stringify(body({ before: 'two hours' })), auth(WRITE_TOKEN));
    expect(before.statusCode).toBe(400);
    expect(before.json().message).toBe('invalid request: body.before must be a duration such as 30m, 2h, 1h30m or 1d (units ms, s, m, h, d, w)');
    const time = await send('/v1/analyses', JSON.stringify(body({ upgradeAt: 'yesterday' })), auth(WRITE_TOKEN));
    expect(time.json().message).toBe('invalid request: body.upgradeAt must be an RFC 3339 time with a zone, e.g. 2026-11-20T14:00:00Z');
    for (const res of [verdict, status, before, time]) expect(res.json().message).not.toMatch(/constant|pattern|\\d|format "/);

    const zero = await send('/v1/analyses', JSON.stringify(body({ after: '0m' })), auth(WRITE_TOKEN));
    expect(zero.statusCode).toBe(400);
    expect(zero.json().message).toBe('after: "0m" must be longer than zero; use e.g. 30m, 2h, 1h30m, 1d');
  });
});
