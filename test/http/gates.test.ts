/**
 * The pipeline gates on the real service (inject()): Argo Rollouts' web metric provider and Flagger's webhook,
 * judged on the service's own findings, answered with the documented schemas, authenticated like every read
 * (Flagger's token may come in its metadata), plus the notification deliveries read route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Verdict } from '../../src/analysis/types.ts';
import { finding, makeReport, makeSeries } from '../store/report-fixtures.ts';
import { documentedSchema, openApi30Problems, schemaProblems } from './openapi-check.ts';
import { READ_TOKEN, WRITE_TOKEN, auth, startTestService, type TestService } from './test-service.ts';

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> };

const insufficient = (service: string, subject: string): Finding => ({ ...finding(service, subject, 'insufficient_data'), pValue: null, qValue: null, reason: 'Insufficient data: 12 requests.' });
const withinTolerance = (service: string, subject: string): Finding => ({ ...finding(service, subject, 'no_change'), qValue: 0.001 });

describe('pipeline gates', () => {
  let svc: TestService;
  let doc: Doc;
  beforeAll(async () => {
    svc = await startTestService({ adjust: (s) => (s.server.verdictCacheMs = 0) });
    doc = (await svc.app.inject('/openapi.json')).json();
    const store = async (verdict: Verdict, findings: Finding[]) => {
      const record = await svc.deps.store.create({ request: { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z', services: [...new Set(findings.map((f) => f.service))] }, owner: 'test' });
      await svc.deps.store.complete(record.id, { report: makeReport(verdict, findings), series: makeSeries(findings[0].service) });
      return record.id;
    };
    // One report with a regressed service next to a calm one, and one service per other case.
    await store('fail', [finding('shop', '/checkout', 'regression'), finding('shop', '/cart', 'no_change'), finding('calm', '/home', 'no_change')]);
    // Nothing of 'thin' could be judged; 'sparse' has one judged, clean finding next to one without enough data.
    await store('warn', [insufficient('thin', '/x'), insufficient('thin', '/y')]);
    await store('pass', [insufficient('sparse', '/x'), finding('sparse', '/y', 'no_change')]);
    await store('warn', [withinTolerance('close', '/z')]);
  }, 60_000);
  afterAll(async () => svc?.close());

  const get = (url: string, token: string | null = READ_TOKEN) => svc.app.inject({ url, headers: token ? auth(token) : {} });
  const flagger = (payload: object, headers: Record<string, string> = {}) => svc.app.inject({ method: 'POST', url: '/v1/gates/flagger', payload, headers });
  const conforms = (method: string, path: string, status: number, body: unknown) => {
    const schema = documentedSchema(doc, method, path, status);
    expect(typeof schema, String(schema)).toBe('object');
    expect(schemaProblems(schema as Record<string, unknown>, body)).toEqual([]);
  };

  it('documents the new routes for OpenAPI 3.0 tools, with operation ids and bearer security', () => {
    expect(openApi30Problems(doc.paths)).toEqual([]);
    expect(doc.paths['/v1/gates/argo'].get).toMatchObject({ operationId: 'getArgoGate', security: [{ bearer: [] }] });
    expect(doc.paths['/v1/gates/flagger'].post).toMatchObject({ operationId: 'flaggerGate', security: [{ bearer: [] }] });
    expect(doc.paths['/v1/notifications/deliveries'].get).toMatchObject({ operationId: 'listNotificationDeliveries', security: [{ bearer: [] }] });
  });

  it('Argo: a regressed service fails with its figures, in stable field names', async () => {
    const res = await get('/v1/gates/argo?service=shop');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      service: 'shop',
      gate: 'fail',
      verdict: 'fail',
      failOn: 'fail',
      upgradeAt: '2026-11-20T14:00:00.000Z',
      findings: 2,
      regressions: 1,
      insufficientData: 0,
      significantWithinTolerance: 0,
      improvements: 0,
      worst: { kind: 'tail_latency', subject: '/checkout', statistic: 'p99', unit: 'ms', before: 600, after: 800, relativeChange: 0.333 },
    });
    expect(body.sentence).toMatch(/^Fail: \/checkout got slower/);
    expect(body.links).toEqual({ analysis: `/v1/analyses/${body.analysisId}`, html: `/v1/analyses/${body.analysisId}/report.html` });
    conforms('GET', '/v1/gates/argo', 200, body);
  });

  it("Argo: a calm service in a failing report passes on its own findings, as the service's verdict does", async () => {
    const body = (await get('/v1/gates/argo?service=calm')).json();
    expect(body).toMatchObject({ gate: 'pass', verdict: 'pass', findings: 1, regressions: 0, worst: null });
  });

  it('Argo: too little data is inconclusive (no condition matches, the rollout pauses); a change within tolerance passes unless failOn=warn', async () => {
    expect((await get('/v1/gates/argo?service=thin')).json()).toMatchObject({ gate: 'inconclusive', verdict: 'warn', insufficientData: 2 });
    // Too little data for one finding does not hold the rollout when what could be judged is clean (issue 10).
    expect((await get('/v1/gates/argo?service=sparse')).json()).toMatchObject({ gate: 'pass', verdict: 'pass', insufficientData: 1 });
    expect((await get('/v1/gates/argo?service=thin&failOn=warn')).json()).toMatchObject({ gate: 'inconclusive', failOn: 'warn' });
    expect((await get('/v1/gates/argo?service=close')).json()).toMatchObject({ gate: 'pass', verdict: 'warn', significantWithinTolerance: 1 });
    expect((await get('/v1/gates/argo?service=close&failOn=warn')).json()).toMatchObject({ gate: 'fail', verdict: 'warn' });
  });

  it('Argo: 404 for a service no analysis covers, 400 without a service or with a bad failOn, 401 without a token', async () => {
    const missing = await get('/v1/gates/argo?service=nobody');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', message: 'no finished analysis covers service "nobody"' });
    conforms('GET', '/v1/gates/argo', 404, missing.json());
    expect((await get('/v1/gates/argo')).statusCode).toBe(400);
    expect((await get('/v1/gates/argo?service=shop&failOn=never')).statusCode).toBe(400);
    const anonymous = await get('/v1/gates/argo?service=shop', null);
    expect(anonymous.statusCode).toBe(401);
    conforms('GET', '/v1/gates/argo', 401, anonymous.json());
  });

  const canary = (metadata?: Record<string, string>) => ({ name: 'podinfo', namespace: 'test', phase: 'Progressing', checksum: '85d557f47b', ...(metadata ? { metadata } : {}) });

  it("Flagger: Flagger's body with the service and a read token in metadata; 409 halts a failing canary, 200 lets a passing one advance", async () => {
    const halt = await flagger(canary({ service: 'shop', token: READ_TOKEN }));
    expect(halt.statusCode).toBe(409);
    expect(halt.json()).toMatchObject({ service: 'shop', gate: 'fail', canary: { name: 'podinfo', namespace: 'test', phase: 'Progressing' } });
    conforms('POST', '/v1/gates/flagger', 409, halt.json());
    const pass = await flagger(canary({ service: 'calm', token: READ_TOKEN }));
    expect(pass.statusCode).toBe(200);
    expect(pass.json()).toMatchObject({ service: 'calm', gate: 'pass' });
    conforms('POST', '/v1/gates/flagger', 200, pass.json());
    // The token never reaches the log.
    expect(svc.logs.join('')).not.toContain(READ_TOKEN);
  });

  it('Flagger: the canary name is the service by default; a bearer header works too; inconclusive and failOn=warn halt', async () => {
    const byName = await flagger({ name: 'calm', namespace: 'prod' }, auth(WRITE_TOKEN));
    expect(byName.statusCode).toBe(200);
    expect(byName.json()).toMatchObject({ service: 'calm', canary: { name: 'calm', namespace: 'prod', phase: null } });
    expect((await flagger(canary({ service: 'thin' }), auth(READ_TOKEN))).json()).toMatchObject({ gate: 'inconclusive' });
    expect((await flagger(canary({ service: 'thin' }), auth(READ_TOKEN))).statusCode).toBe(409);
    expect((await flagger(canary({ service: 'close' }), auth(READ_TOKEN))).statusCode).toBe(200);
    expect((await flagger(canary({ service: 'close', failOn: 'warn' }), auth(READ_TOKEN))).statusCode).toBe(409);
  });

  it('Flagger: 401 without a token or with a wrong one in metadata, 404 for an unknown service, 400 for a bad body', async () => {
    const none = await flagger(canary({ service: 'shop' }));
    expect(none.statusCode).toBe(401);
    conforms('POST', '/v1/gates/flagger', 401, none.json());
    expect((await flagger(canary({ service: 'shop', token: 'not-a-token' }))).statusCode).toBe(401);
    const unknown = await flagger(canary({ service: 'nobody', token: READ_TOKEN }));
    expect(unknown.statusCode).toBe(404);
    conforms('POST', '/v1/gates/flagger', 404, unknown.json());
    const bad = await flagger({ namespace: 'test', metadata: { token: READ_TOKEN } });
    expect(bad.statusCode).toBe(400);
    expect((await flagger(canary({ service: 'shop', failOn: 'sometimes', token: READ_TOKEN }))).json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('body.metadata.failOn') });
    // Metadata values are strings in Flagger's payload; a nested object is refused.
    expect((await flagger({ ...canary(), metadata: { service: { name: 'shop' } } }, auth(READ_TOKEN))).statusCode).toBe(400);
  });

  it('GET /v1/notifications/deliveries answers an empty page in the documented shape; 401 without a token', async () => {
    const res = await get('/v1/notifications/deliveries?limit=5');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ items: [], nextBefore: null });
    conforms('GET', '/v1/notifications/deliveries', 200, res.json());
    expect((await get('/v1/notifications/deliveries?status=lost')).statusCode).toBe(400);
    expect((await get('/v1/notifications/deliveries', null)).statusCode).toBe(401);
  });
});
