/**
 * The API as demanding clients use it (SLA guards, curl, urllib, a client generated from /openapi.json): the
 * served document is valid OpenAPI 3.0 and real responses match the schemas it documents; hostile or sloppy
 * input (NUL characters, tampered cursors, huge ids and windows, malformed URLs, bodiless POSTs) is a 400 in the
 * documented error shape, never a 500; 429s say when to retry; tokens put in a URL by mistake stay out of logs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { finding, makeReport, makeSeries } from '../store/report-fixtures.ts';
import { documentedSchema, openApi30Problems, schemaProblems } from './openapi-check.ts';
import { READ_TOKEN, WRITE_TOKEN, auth, startTestService, waitFinished, type TestService } from './test-service.ts';

const upgradeAt = '2026-11-20T14:00:00Z';
const body = (source: string, extra: Record<string, unknown> = {}) => ({ source, upgradeAt, before: '2h', after: '2h', ...extra });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const constants = { baseMs: 100, maxMs: 5000, multiplier: 2, jitter: 0.5, maxAttempts: 3 };

interface Call {
  method?: 'GET' | 'POST';
  url: string;
  /** Path template in the OpenAPI document. */
  path: string;
  token?: string;
  payload?: unknown;
  status: number;
}

describe('HTTP API under a demanding client', () => {
  let svc: TestService;
  let doc: { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>>; components: Record<string, Record<string, unknown>> };
  beforeAll(async () => {
    svc = await startTestService();
    doc = (await svc.app.inject('/openapi.json')).json();
  });
  afterAll(async () => svc?.close());

  const call = (c: Omit<Call, 'path' | 'status'>) =>
    svc.app.inject({ method: c.method ?? 'GET', url: c.url, headers: c.token ? auth(c.token) : {}, ...(c.payload === undefined ? {} : { payload: c.payload as object }) });

  it('serves a document OpenAPI 3.0 tools accept: no tuples or 3.1-only keywords, bearer scheme, every /v1 route secured and typed', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(openApi30Problems(doc.paths)).toEqual([]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/'))) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
        const statuses = Object.keys(op.responses as object);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
        expect(statuses.some((s) => s === '200' || s === '202'), `${method} ${path}`).toBe(true);
        if (method === 'post') expect(op.requestBody, `${method} ${path}`).toBeTruthy();
      }
    }
    // Every documented operation has its own operationId, so generated clients get stable method names.
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.every((id) => typeof id === 'string' && id.length > 0), JSON.stringify(ids)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('real responses match the documented schemas for 200/202/400/401/403/404/409/422/429', async () => {
    const created = await call({ method: 'POST', url: '/v1/analyses', token: WRITE_TOKEN, payload: body('ok:fail') });
    const { id } = created.json();
    await waitFinished(svc, id);
    const failed = (await call({ method: 'POST', url: '/v1/analyses', token: WRITE_TOKEN, payload: body('fail') })).json().id;
    await waitFinished(svc, failed);
    const calls: Call[] = [
      { method: 'POST', url: '/v1/analyses', path: '/v1/analyses', token: WRITE_TOKEN, payload: body('ok:pass'), status: 202 },
      { url: `/v1/analyses/${id}`, path: '/v1/analyses/{id}', token: READ_TOKEN, status: 200 },
      { url: '/v1/analyses?limit=2', path: '/v1/analyses', token: READ_TOKEN, status: 200 },
      { url: '/v1/verdict?service=shop', path: '/v1/verdict', token: READ_TOKEN, status: 200 },
      { url: '/v1/verdict?service=nobody', path: '/v1/verdict', token: READ_TOKEN, status: 404 },
      { url: '/v1/verdict', path: '/v1/verdict', token: READ_TOKEN, status: 400 },
      { url: '/v1/analyses', path: '/v1/analyses', status: 401 },
      { method: 'POST', url: '/v1/analyses', path: '/v1/analyses', token: READ_TOKEN, payload: body('ok:pass'), status: 403 },
      { url: `/v1/analyses/${failed}/report.md`, path: '/v1/analyses/{id}/report.md', token: READ_TOKEN, status: 409 },
      { url: '/v1/flag', path: '/v1/flag', token: READ_TOKEN, status: 200 },
      { method: 'POST', url: '/v1/actions/kill-switch', path: '/v1/actions/kill-switch', token: WRITE_TOKEN, payload: { reason: 'r' }, status: 200 },
      { method: 'POST', url: '/v1/actions/backoff-constants', path: '/v1/actions/backoff-constants', token: WRITE_TOKEN, payload: { reason: 'r', constants }, status: 200 },
      { method: 'POST', url: '/v1/actions/backoff-constants', path: '/v1/actions/backoff-constants', token: WRITE_TOKEN, payload: { reason: 'r', constants: { ...constants, multiplier: 9 } }, status: 422 },
      { method: 'POST', url: '/v1/actions/999999/revert', path: '/v1/actions/{id}/revert', token: WRITE_TOKEN, payload: {}, status: 404 },
      { method: 'POST', url: '/v1/actions/1/revert', path: '/v1/actions/{id}/revert', token: WRITE_TOKEN, payload: { dryRun: false }, status: 409 },
      { url: '/v1/actions?limit=1', path: '/v1/actions', token: READ_TOKEN, status: 200 },
      { url: '/v1/actions/1', path: '/v1/actions/{id}', token: READ_TOKEN, status: 200 },
      { url: '/v1/actions/abc', path: '/v1/actions/{id}', token: READ_TOKEN, status: 400 },
      { url: '/v1/guard/decisions', path: '/v1/guard/decisions', token: READ_TOKEN, status: 200 },
    ];
    for (const c of calls) {
      const res = await call(c);
      const label = `${c.method ?? 'GET'} ${c.url}`;
      expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBe(c.status);
      const schema = documentedSchema(doc, c.method ?? 'GET', c.path, c.status);
      expect(typeof schema, `${label}: ${String(schema)}`).toBe('object');
      expect(schemaProblems(schema as Record<string, unknown>, res.json()), label).toEqual([]);
    }
    // The report's confidence interval is a pair, documented as one.
    expect((await call({ url: `/v1/analyses/${id}`, token: READ_TOKEN })).json().report.findings[0].ci).toHaveLength(2);
  });

  it('a report whose interval is unbounded on one side (Infinity, null in JSON) is served, not a 500', async () => {
    const open = { ...finding('shop', 'payments-api', 'no_change'), ci: [-0.81, Number.POSITIVE_INFINITY] as [number, number] };
    const record = await svc.deps.store.create({ request: body('ok:pass'), owner: 'test' });
    await svc.deps.store.complete(record.id, { report: makeReport('pass', [open]), series: makeSeries('shop') });
    const res = await call({ url: `/v1/analyses/${record.id}`, token: READ_TOKEN });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.json().report.findings[0].ci).toEqual([-0.81, null]);
    expect(schemaProblems(documentedSchema(doc, 'GET', '/v1/analyses/{id}', 200) as Record<string, unknown>, res.json())).toEqual([]);
  });

  it('a NUL character anywhere (path, query, body, cursor) is a 400 naming the field, not a 500 from the store', async () => {
    const cases: Array<[Omit<Call, 'path' | 'status'>, string]> = [
      [{ url: '/v1/analyses/a%00b', token: READ_TOKEN }, 'params.id'],
      [{ url: '/v1/verdict?service=sh%00p', token: READ_TOKEN }, 'querystring.service'],
      [{ url: '/v1/analyses?service=%00', token: READ_TOKEN }, 'querystring.service'],
      [{ url: '/v1/guard/decisions?target=%00', token: READ_TOKEN }, 'querystring.target'],
      [{ method: 'POST', url: '/v1/analyses', token: WRITE_TOKEN, payload: body('ok:pass', { services: ['shöp✓', 'a\u0000b'] }) }, 'body.services.1'],
      [{ method: 'POST', url: '/v1/actions/kill-switch', token: WRITE_TOKEN, payload: { reason: 'x\u0000' } }, 'body.reason'],
      [{ url: `/v1/analyses?cursor=${b64(['2026-11-20T14:00:00.000Z', 'a\u0000b'])}`, token: READ_TOKEN }, 'cursor'],
    ];
    for (const [c, field] of cases) {
      const res = await call(c);
      expect(res.statusCode, `${c.url}: ${res.body}`).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(field) });
    }
    // Unicode without NUL is fine.
    expect((await call({ method: 'POST', url: '/v1/analyses', token: WRITE_TOKEN, payload: body('ok:pass', { services: ['shöp✓'] }) })).statusCode).toBe(202);
  });

  it('tampered cursors are a 400, whatever they decode to', async () => {
    for (const cursor of [b64(['-271821-04-20T00:00:00.000Z', 'x']), b64(['1', 'x']), b64(['2026-11-20T14:00:00Z', 'x']), b64(['2026-11-20T14:00:00.000Z', 'x'.repeat(500)])]) {
      const res = await call({ url: `/v1/analyses?cursor=${cursor}`, token: READ_TOKEN });
      expect(res.statusCode, Buffer.from(cursor, 'base64url').toString()).toBe(400);
      expect(res.json().message).toContain('cursor');
    }
  });

  it('huge numeric ids and cursors of the audit log are a 400, not a bigint overflow', async () => {
    for (const url of ['/v1/actions/1000000000000000000000000000000', '/v1/actions?before=1000000000000000000000000000000']) {
      const res = await call({ url, token: READ_TOKEN });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().code).toBe('BAD_INPUT');
    }
    const revert = await call({ method: 'POST', url: '/v1/actions/1000000000000000000000000000000/revert', token: WRITE_TOKEN, payload: {} });
    expect(revert.statusCode).toBe(400);
  });

  it('over-long ids and malformed %-escapes get the documented error body with a request id', async () => {
    const long = await call({ url: `/v1/analyses/${'a'.repeat(300)}`, token: READ_TOKEN });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('params.id') });
    for (const url of [`/v1/analyses/${'a'.repeat(5000)}`, '/v1/analyses/%E0%A4%A']) {
      const res = await call({ url, token: READ_TOKEN });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(Object.keys(res.json()).sort(), url.slice(0, 40)).toEqual(['code', 'message', 'requestId', 'statusCode']);
      expect(res.json().requestId).toBe(res.headers['x-request-id']);
    }
  });

  it('refuses windows longer than 31 days over HTTP, naming the field', async () => {
    for (const [field, value] of [['before', '99999999w'], ['after', '32d']]) {
      const res = await call({ method: 'POST', url: '/v1/analyses', token: WRITE_TOKEN, payload: body('ok:pass', { [field]: value }) });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().message).toContain(field);
    }
    expect((await call({ method: 'POST', url: '/v1/analyses', token: WRITE_TOKEN, payload: body('ok:pass', { before: '31d' }) })).statusCode).toBe(202);
  });

  it('POST /v1/actions/:id/revert without any body is a dry run like an empty body (not "body must be object")', async () => {
    const unknown = await svc.app.inject({ method: 'POST', url: '/v1/actions/999999/revert', headers: auth(WRITE_TOKEN) });
    expect(unknown.statusCode, unknown.body).toBe(404);
    const kill = (await call({ method: 'POST', url: '/v1/actions/kill-switch', token: WRITE_TOKEN, payload: { reason: 'r' } })).json();
    const dry = await svc.app.inject({ method: 'POST', url: `/v1/actions/${kill.action.id}/revert`, headers: auth(WRITE_TOKEN) });
    expect(dry.statusCode, dry.body).toBe(409);
    expect(dry.json().message).toContain('not applied');
  });

  it('dryRun and enable must be JSON booleans: null, 0 or "false" are not coerced into "apply to production"', async () => {
    for (const [field, value] of [['dryRun', null], ['dryRun', 0], ['dryRun', 'false'], ['enable', null]] as const) {
      const tune = field === 'enable';
      const url = tune ? '/v1/actions/backoff-constants' : '/v1/actions/kill-switch';
      const res = await call({ method: 'POST', url, token: WRITE_TOKEN, payload: { reason: 'r', ...(tune ? { constants } : {}), [field]: value } });
      expect(res.statusCode, `${field}=${JSON.stringify(value)}: ${res.body}`).toBe(400);
      expect(res.json().message).toContain(`body.${field}`);
    }
    const revert = await call({ method: 'POST', url: '/v1/actions/1/revert', token: WRITE_TOKEN, payload: { dryRun: null } });
    expect(revert.statusCode).toBe(400);
    // null in a constant is not 0 either ("jitter": null used to mean jitter 0, inside the bounds).
    const jitter = await call({ method: 'POST', url: '/v1/actions/backoff-constants', token: WRITE_TOKEN, payload: { reason: 'r', constants: { ...constants, jitter: null } } });
    expect(jitter.statusCode, jitter.body).toBe(400);
    expect(jitter.json().message).toContain('body.constants.jitter');
  });

  it('a token put in the query string by mistake neither authenticates nor reaches the log', async () => {
    const secret = 'query-secret-token-987';
    const res = await svc.app.inject({ url: `/v1/analyses?limit=1&access_token=${secret}` });
    expect([400, 401]).toContain(res.statusCode);
    const post = await svc.app.inject({ method: 'POST', url: `/v1/analyses?token=${WRITE_TOKEN}`, payload: body('ok:pass') });
    expect(post.statusCode).toBe(401);
    const logs = svc.logs.join('');
    expect(logs).toContain('access_token=[redacted]');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(WRITE_TOKEN);
  });
});

describe('429s tell clients when to retry', () => {
  let s: TestService | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('a full analysis queue answers 429 with Retry-After', async () => {
    s = await startTestService({ adjust: (x) => ((x.pool.size = 1), (x.pool.queueLimit = 0)) });
    const post = () => s!.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: body('sleep:1500') });
    expect((await post()).statusCode).toBe(202);
    const full = await post();
    expect(full.statusCode).toBe(429);
    expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('flag-action writes are rate limited like analysis writes', async () => {
    s = await startTestService({ adjust: (x) => (x.server.writeRateLimit = { max: 2, timeWindowMs: 60_000 }) });
    const kill = () => s!.app.inject({ method: 'POST', url: '/v1/actions/kill-switch', headers: auth(WRITE_TOKEN), payload: { reason: 'r' } });
    expect((await kill()).statusCode).toBe(200);
    expect((await kill()).statusCode).toBe(200);
    const limited = await kill();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'BUSY', message: expect.stringContaining('rate limit') });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
