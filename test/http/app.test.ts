/**
 * Every route through inject(), on the real service (in-memory PGlite, real worker threads running the
 * scripted runner): auth (401/403, open reads on loopback), validation, unknown ids, pagination, verdicts,
 * queue limit, rate limit, body limit, timeouts, metrics, request ids and what reaches the log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { READ_TOKEN, WRITE_TOKEN, auth, startTestService, waitFinished, type TestService } from './test-service.ts';

const upgradeAt = '2026-11-20T14:00:00Z';
const body = (source: string, extra: Record<string, unknown> = {}) => ({ source, upgradeAt, before: '2h', after: '2h', ...extra });

describe('service routes (tokens configured)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  const post = (payload: unknown, token = WRITE_TOKEN) =>
    svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: token ? auth(token) : {}, payload: payload as object });

  it('GET /healthz answers without a token', async () => {
    const res = await svc.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('GET /readyz checks the store and every configured source', async () => {
    const res = await svc.app.inject('/readyz');
    const json = res.json();
    expect(json.checks.store).toEqual({ ok: true });
    expect(Object.keys(json.checks)).toContain('source:demo');
    expect(res.statusCode).toBe(json.ready ? 200 : 503);
    expect(json.ready).toBe(true);
  });

  it('serves the OpenAPI 3 document and the Swagger UI', async () => {
    const doc = (await svc.app.inject('/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/v1/analyses', '/v1/analyses/{id}', '/v1/analyses/{id}/report.md', '/v1/verdict', '/healthz', '/readyz', '/metrics']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.paths['/v1/analyses'].post.requestBody.content['application/json'].schema.required).toEqual(['source', 'upgradeAt']);
    expect(doc.paths['/v1/analyses'].post.responses['202']).toBeTruthy();
    const ui = await svc.app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('runs an analysis: 202 with id and Location, then done with report; Markdown report; listed; verdict', async () => {
    const res = await post(body('ok:fail', { services: ['shop'] }));
    expect(res.statusCode).toBe(202);
    const { id, status, links } = res.json();
    expect(status).toBe('queued');
    expect(res.headers.location).toBe(`/v1/analyses/${id}`);
    expect(links.self).toBe(`/v1/analyses/${id}`);
    const done = await waitFinished(svc, id);
    expect(done).toMatchObject({ id, status: 'done', progress: 1, error: null, request: body('ok:fail', { services: ['shop'] }) });
    const report = done.report as { verdict: string; findings: Array<{ service: string }>; settings: unknown };
    expect(report.verdict).toBe('fail');
    expect(report.findings[0].service).toBe('shop');
    // Additive report fields pass through the response schema.
    expect(report.settings).toBeTruthy();
    expect(done).not.toHaveProperty('series');

    const md = await svc.app.inject({ url: `/v1/analyses/${id}/report.md`, headers: auth(READ_TOKEN) });
    expect(md.statusCode).toBe(200);
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.body).toContain('/checkout');

    const list = (await svc.app.inject({ url: '/v1/analyses?service=shop', headers: auth(READ_TOKEN) })).json();
    expect(list.items.map((x: { id: string }) => x.id)).toContain(id);

    const verdict = await svc.app.inject({ url: '/v1/verdict?service=shop', headers: auth(READ_TOKEN) });
    expect(verdict.statusCode).toBe(200);
    expect(verdict.headers['content-type']).toContain('application/json');
    expect(verdict.json()).toMatchObject({ service: 'shop', analysisId: id, verdict: 'fail', regressions: [{ service: 'shop', subject: '/checkout' }] });
    // Sent pre-serialized from the cache: exactly the documented fields.
    // (issue 14, item 16 added analysisVerdict and summary, documented in VerdictResponse.)
    expect(Object.keys(verdict.json()).sort()).toEqual(['analysisId', 'analysisVerdict', 'createdAt', 'regressions', 'service', 'summary', 'upgradeAt', 'verdict']);
  });

  it('answers the newest verdict after a newer analysis finishes (cache refreshed on completion)', async () => {
    const first = (await post(body('ok:fail', { services: ['cart'], upgradeAt: '2026-11-20T10:00:00Z' }))).json();
    await waitFinished(svc, first.id);
    expect((await svc.app.inject({ url: '/v1/verdict?service=cart', headers: auth(READ_TOKEN) })).json().verdict).toBe('fail');
    const second = (await post(body('ok:pass', { services: ['cart'], upgradeAt: '2026-11-20T12:00:00Z' }))).json();
    await waitFinished(svc, second.id);
    const v = (await svc.app.inject({ url: '/v1/verdict?service=cart', headers: auth(READ_TOKEN) })).json();
    expect(v).toMatchObject({ analysisId: second.id, verdict: 'pass', regressions: [] });
  });

  it('GET /v1/verdict: 404 for a service without analyses, 400 without ?service', async () => {
    const none = await svc.app.inject({ url: '/v1/verdict?service=nobody', headers: auth(READ_TOKEN) });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('nobody') });
    const missing = await svc.app.inject({ url: '/v1/verdict', headers: auth(READ_TOKEN) });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toContain('service');
  });

  it('stores a failed analysis with its reason; its Markdown report is a 409', async () => {
    const { id } = (await post(body('fail'))).json();
    const done = await waitFinished(svc, id);
    expect(done).toMatchObject({ status: 'failed', report: null, error: 'scripted upstream failure' });
    const md = await svc.app.inject({ url: `/v1/analyses/${id}/report.md`, headers: auth(READ_TOKEN) });
    expect(md.statusCode).toBe(409);
    expect(md.json().message).toContain('scripted upstream failure');
  });

  it('shows progress while running and 409 for its Markdown report', async () => {
    const { id } = (await post(body('progress'))).json();
    let sawRunning = false;
    for (let i = 0; i < 100 && !sawRunning; i++) {
      const r = (await svc.app.inject({ url: `/v1/analyses/${id}`, headers: auth(READ_TOKEN) })).json();
      if (r.status === 'running' && r.progress > 0 && r.progress < 1) {
        sawRunning = true;
        const md = await svc.app.inject({ url: `/v1/analyses/${id}/report.md`, headers: auth(READ_TOKEN) });
        expect(md.statusCode).toBe(409);
      } else await new Promise((res) => setTimeout(res, 30));
    }
    expect(sawRunning).toBe(true);
    expect((await waitFinished(svc, id)).status).toBe('done');
  });

  it('404 for unknown analyses on every per-id route', async () => {
    for (const url of ['/v1/analyses/no-such-id', '/v1/analyses/no-such-id/report.md']) {
      const res = await svc.app.inject({ url, headers: auth(READ_TOKEN) });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: 'analysis no-such-id does not exist' });
    }
  });

  it('400 naming the field for bad bodies', async () => {
    const cases: Array<[unknown, string]> = [
      [{ source: 'ok:pass' }, 'upgradeAt'],
      [body('ok:pass', { upgradeAt: 'yesterday' }), 'upgradeAt'],
      [body('ok:pass', { upgradeAt: '2026-11-20T14:00:00' }), 'upgradeAt'],
      [body('ok:pass', { before: 'two hours' }), 'before'],
      [body('ok:pass', { after: 5 }), 'after'],
      [body('ok:pass', { services: 'shop' }), 'services'],
      [body('ok:pass', { colour: 'red' }), 'colour'],
      [body('/etc/passwd'), 'source'],
      [body('influx1+http://10.0.0.1:8086/db'), 'source'],
    ];
    for (const [payload, field] of cases) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toMatchObject({ statusCode: 400, code: 'BAD_INPUT' });
      expect(res.json().message, JSON.stringify(payload)).toContain(field);
    }
    const notJson = await svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: { ...auth(WRITE_TOKEN), 'content-type': 'application/json' }, payload: '{"source":' });
    expect(notJson.statusCode).toBe(400);
  });

  it('413 for a body over the write body limit', async () => {
    const res = await post(body('ok:pass', { services: Array.from({ length: 100 }, (_, i) => `service-${'x'.repeat(190)}-${i}`) }));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/body/i) });
    const wrongType = await svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: { ...auth(WRITE_TOKEN), 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().code).toBe('BAD_INPUT');
    const text = await svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: { ...auth(WRITE_TOKEN), 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(400);
    expect(text.json().message).toContain('body must be object');
  });

  it('auth: 401 without or with an unknown token, 403 for a read token on a write route, write token reads too', async () => {
    const noToken = await post(body('ok:pass'), '');
    expect(noToken.statusCode).toBe(401);
    expect(noToken.headers['www-authenticate']).toContain('Bearer');
    expect((await post(body('ok:pass'), 'wrong-token')).statusCode).toBe(401);
    const readOnly = await post(body('ok:pass'), READ_TOKEN);
    expect(readOnly.statusCode).toBe(403);
    expect(readOnly.json().message).toContain('write scope');
    const malformed = await svc.app.inject({ url: '/v1/analyses', headers: { authorization: 'Basic abc' } });
    expect(malformed.statusCode).toBe(401);
    for (const url of ['/', '/v1/analyses', '/v1/analyses/x', '/v1/analyses/x/report.md', '/v1/verdict?service=shop', '/metrics']) {
      expect((await svc.app.inject(url)).statusCode, url).toBe(401);
      expect((await svc.app.inject({ url, headers: auth('nope') })).statusCode, url).toBe(401);
    }
    expect((await svc.app.inject({ url: '/v1/analyses', headers: auth(WRITE_TOKEN) })).statusCode).toBe(200);
    expect((await svc.app.inject({ url: '/v1/analyses', headers: auth(READ_TOKEN) })).statusCode).toBe(200);
  });

  it('paginates newest first with an opaque cursor; rejects bad cursors and limits', async () => {
    const owner = 'pagination-test';
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await svc.deps.store.create({ request: body('ok:pass', { services: ['paged'] }), owner })).id);
    await svc.deps.store.failInterrupted({ staleMs: 0, owner, reason: 'test data' });
    const seen: string[] = [];
    let url = '/v1/analyses?service=paged&limit=2';
    for (let page = 0; page < 10; page++) {
      const res = (await svc.app.inject({ url, headers: auth(READ_TOKEN) })).json();
      seen.push(...res.items.map((x: { id: string }) => x.id));
      if (!res.nextCursor) break;
      url = `/v1/analyses?service=paged&limit=2&cursor=${encodeURIComponent(res.nextCursor)}`;
    }
    // Pages concatenate to the one-page listing (newest first, ties by id): no duplicates, no gaps.
    const onePage = (await svc.app.inject({ url: '/v1/analyses?service=paged&limit=100', headers: auth(READ_TOKEN) })).json();
    expect(seen).toEqual(onePage.items.map((x: { id: string }) => x.id));
    expect([...seen].sort()).toEqual([...created].sort());
    const bad = await svc.app.inject({ url: '/v1/analyses?cursor=bogus', headers: auth(READ_TOKEN) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('cursor');
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'verdict=maybe', 'from=yesterday', 'unknown=1']) {
      expect((await svc.app.inject({ url: `/v1/analyses?${q}`, headers: auth(READ_TOKEN) })).statusCode, q).toBe(400);
    }
    const ranged = (await svc.app.inject({ url: '/v1/analyses?from=2026-11-20T13:00:00Z&to=2026-11-20T15:00:00Z&service=paged', headers: auth(READ_TOKEN) })).json();
    expect(ranged.items).toHaveLength(5);
    const outside = (await svc.app.inject({ url: '/v1/analyses?from=2026-11-21T00:00:00Z&service=paged', headers: auth(READ_TOKEN) })).json();
    expect(outside.items).toHaveLength(0);
  });

  it('landing page lists analyses with links to their reports', async () => {
    const res = await svc.app.inject({ url: '/', headers: auth(READ_TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toMatch(/href="\/v1\/analyses\/[0-9a-f-]+\/report\.html"/);
    expect(res.body).toMatch(/href="\/v1\/analyses\/[0-9a-f-]+\/report\.md"/);
  });

  it('exposes Prometheus metrics: analyses by outcome, durations, queue depth, HTTP', async () => {
    const res = await svc.app.inject({ url: '/metrics', headers: auth(READ_TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(/^aftershock_analyses_total\{outcome="fail"\} [1-9]/m);
    expect(text).toMatch(/^aftershock_analyses_total\{outcome="failed"\} [1-9]/m);
    expect(text).toMatch(/^aftershock_analysis_duration_seconds_count [1-9]/m);
    expect(text).toMatch(/^aftershock_analysis_queue_depth 0$/m);
    expect(text).toMatch(/^aftershock_http_requests_total\{method="POST",route="\/v1\/analyses",status="202"\} [1-9]/m);
    expect(text).toMatch(/^aftershock_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/analyses\/:id",le="\+Inf"\} [1-9]/m);
  });

  it('echoes a request id, puts it in error bodies, and keeps tokens and stacks out of bodies and logs', async () => {
    const res = await svc.app.inject({ url: '/v1/analyses/missing', headers: { ...auth(READ_TOKEN), 'x-request-id': 'trace-42' } });
    expect(res.headers['x-request-id']).toBe('trace-42');
    expect(Object.keys(res.json()).sort()).toEqual(['code', 'message', 'requestId', 'statusCode']);
    expect(res.json().requestId).toBe('trace-42');
    const generated = await svc.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const all = svc.logs.join('');
    expect(all).toContain('trace-42');
    expect(all).not.toContain(READ_TOKEN);
    expect(all).not.toContain(WRITE_TOKEN);
    expect(all).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(all).toContain('"reqId"');
  });
});

/** Services started by one test of the describes below; closed after it. */
let s: TestService | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('service limits', () => {

  it('429 when the pool and its queue are full', async () => {
    s = await startTestService({ adjust: (x) => ((x.pool.size = 1), (x.pool.queueLimit = 1)) });
    const post = () => s!.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: body('sleep:1500') });
    expect((await post()).statusCode).toBe(202);
    expect((await post()).statusCode).toBe(202);
    const full = await post();
    expect(full.statusCode).toBe(429);
    expect(full.json()).toMatchObject({ code: 'BUSY', message: expect.stringContaining('queue is full') });
    // Nothing was stored for the refused request.
    expect((await s.deps.store.list({ limit: 10 })).items).toHaveLength(2);
  });

  it('429 past the write rate limit', async () => {
    s = await startTestService({ adjust: (x) => (x.server.writeRateLimit = { max: 2, timeWindowMs: 60_000 }) });
    const post = () => s!.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: body('ok:pass') });
    expect((await post()).statusCode).toBe(202);
    expect((await post()).statusCode).toBe(202);
    const limited = await post();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'BUSY', message: expect.stringContaining('rate limit') });
    // Reads are not rate limited.
    for (let i = 0; i < 5; i++) expect((await s.app.inject({ url: '/v1/analyses', headers: auth(READ_TOKEN) })).statusCode).toBe(200);
  });

  it('fails an analysis that exceeds the per-analysis timeout', async () => {
    s = await startTestService({ adjust: (x) => (x.pool.timeoutMs = 700) });
    const { id } = (await s.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: body('sleep:30000') })).json();
    const done = await waitFinished(s, id);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringContaining('timed out') });
    expect((await s.app.inject({ url: '/metrics', headers: auth(READ_TOKEN) })).body).toMatch(/aftershock_analyses_total\{outcome="timeout"\} 1/);
  });

  it('shutdown marks running and queued analyses failed ("interrupted"); they stay so after a restart', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-shutdown-'));
    try {
      const svc = await startTestService({ env: { AFTERSHOCK_DATA_DIR: dir }, adjust: (x) => ((x.pool.size = 1), (x.pool.queueLimit = 2)) });
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: body('sleep:30000') })).json().id);
      await new Promise((r) => setTimeout(r, 300));
      const statusBefore = await Promise.all(ids.map(async (id) => (await svc.deps.store.get(id))!.status));
      expect(statusBefore.sort()).toEqual(['queued', 'running']);
      await svc.close();
      s = await startTestService({ env: { AFTERSHOCK_DATA_DIR: dir } });
      expect(s.recovered).toBe(0);
      for (const id of ids) {
        const res = (await s.app.inject({ url: `/v1/analyses/${id}`, headers: auth(READ_TOKEN) })).json();
        expect(res).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') });
      }
    } finally {
      await s?.close();
      s = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('auth defaults', () => {

  it('no tokens on a loopback host: reads open, writes refused with how to set a token', async () => {
    s = await startTestService({ env: { AFTERSHOCK_READ_TOKENS: '', AFTERSHOCK_WRITE_TOKENS: '' } });
    expect((await s.app.inject('/v1/analyses')).statusCode).toBe(200);
    expect((await s.app.inject('/')).statusCode).toBe(200);
    const write = await s.app.inject({ method: 'POST', url: '/v1/analyses', payload: body('ok:pass') });
    expect(write.statusCode).toBe(403);
    expect(write.json().message).toContain('AFTERSHOCK_WRITE_TOKENS');
  });

  it('no read token on a non-loopback host: reads need a token (a write token works)', async () => {
    s = await startTestService({ env: { AFTERSHOCK_READ_TOKENS: '', HOST: '0.0.0.0' } });
    expect((await s.app.inject('/v1/analyses')).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/v1/analyses', headers: auth(WRITE_TOKEN) })).statusCode).toBe(200);
  });

  it('accepts tokens configured as SHA-256 digests', async () => {
    const { createHash } = await import('node:crypto');
    const secret = 'configured-secret-token';
    const { scriptedConfig } = await import('./test-service.ts');
    const config = scriptedConfig();
    (config.auth as { tokens: unknown[] }).tokens = [{ name: 'ci', scope: 'write', sha256: createHash('sha256').update(secret).digest('hex') }];
    s = await startTestService({ config, env: { AFTERSHOCK_READ_TOKENS: '', AFTERSHOCK_WRITE_TOKENS: '' } });
    expect((await s.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(secret), payload: body('ok:pass') })).statusCode).toBe(202);
    expect((await s.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth('other'), payload: body('ok:pass') })).statusCode).toBe(401);
  });
});
