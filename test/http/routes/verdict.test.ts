/**
 * GET /v1/verdict?service=… answers that service's own verdict (issue 14, item 16): an SLA guard polling for one
 * service must not be blocked by another service's regression in the same analysis. The verdict follows the
 * report's rule (verdictOf) over that service's findings; the response says which analysis it came from and
 * what that analysis concluded as a whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding, makeReport, makeSeries } from '../../store/report-fixtures.ts';
import { documentedSchema, schemaProblems } from '../openapi-check.ts';
import { READ_TOKEN, auth, startTestService, type TestService } from '../test-service.ts';
import { EncodedVerdicts, MAX_ENCODED_VERDICTS } from '../../../src/http/routes/verdict.ts';

const request = (services?: string[]) => ({ source: 'ok:pass', upgradeAt: '2026-11-20T14:00:00Z', before: '2h', after: '2h', ...(services ? { services } : {}) });

describe('GET /v1/verdict: the service’s own verdict', () => {
  let svc: TestService;
  let doc: Parameters<typeof documentedSchema>[0];
  beforeAll(async () => {
    svc = await startTestService({ adjust: (s) => (s.server.verdictCacheMs = 0) });
    doc = (await svc.app.inject('/openapi.json')).json();
  });
  afterAll(async () => svc?.close());

  async function store(findings: ReturnType<typeof finding>[], verdict: 'pass' | 'warn' | 'fail', services?: string[]): Promise<string> {
    const record = await svc.deps.store.create({ request: request(services), owner: 'verdict-test' });
    await svc.deps.store.complete(record.id, { report: makeReport(verdict, findings), series: makeSeries('shop') });
    return record.id;
  }
  const get = async (service: string) => {
    const res = await svc.app.inject({ url: `/v1/verdict?service=${service}`, headers: auth(READ_TOKEN) });
    expect(res.statusCode, res.body).toBe(200);
    expect(schemaProblems(documentedSchema(doc, 'GET', '/v1/verdict', 200) as Record<string, unknown>, res.json())).toEqual([]);
    return res.json();
  };

  it('a service without regressions passes although another service of the same analysis fails', async () => {
    const id = await store([finding('accounts', '/login', 'no_change'), finding('shop', '/checkout', 'regression')], 'fail');
    expect(await get('accounts')).toMatchObject({ service: 'accounts', analysisId: id, verdict: 'pass', analysisVerdict: 'fail', regressions: [] });
    expect((await get('accounts')).summary).toMatch(/^Pass: no regression among 1 judged finding\b/);
    const shop = await get('shop');
    expect(shop).toMatchObject({ service: 'shop', analysisId: id, verdict: 'fail', analysisVerdict: 'fail', regressions: [{ subject: '/checkout' }] });
    expect(shop.summary).toMatch(/^Fail: 1 regression in shop \/checkout/);
  });

  it('uses the report rule: insufficient data in that service warns, whatever the others do', async () => {
    const id = await store([finding('billing', '/pay', 'insufficient_data'), finding('search', '/q', 'no_change')], 'warn');
    expect(await get('billing')).toMatchObject({ analysisId: id, verdict: 'warn', analysisVerdict: 'warn' });
    expect(await get('search')).toMatchObject({ analysisId: id, verdict: 'pass', analysisVerdict: 'warn' });
  });

  it('a requested service with no findings in the analysis is a warn, never a pass over nothing', async () => {
    const id = await store([finding('catalog', '/list', 'no_change')], 'pass', ['catalog', 'ghost']);
    const ghost = await get('ghost');
    expect(ghost).toMatchObject({ analysisId: id, verdict: 'warn', analysisVerdict: 'pass', regressions: [] });
    expect(ghost.summary).toContain('no findings for ghost');
  });

  it('a newer analysis is served at once (the encoded bytes follow the text), with its exact byte length', async () => {
    const first = await store([finding('ünicode-svc', '/päy', 'no_change')], 'pass');
    expect(await get('ünicode-svc')).toMatchObject({ analysisId: first, verdict: 'pass' });
    const second = await store([finding('ünicode-svc', '/päy', 'regression')], 'fail');
    const res = await svc.app.inject({ url: `/v1/verdict?service=${encodeURIComponent('ünicode-svc')}`, headers: auth(READ_TOKEN) });
    expect(res.json()).toMatchObject({ analysisId: second, verdict: 'fail', regressions: [{ subject: '/päy' }] });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body));
  });

  it('documents the added fields in OpenAPI', async () => {
    const schema = documentedSchema(doc, 'GET', '/v1/verdict', 200) as { properties: Record<string, { description?: string }> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['verdict', 'analysisVerdict', 'summary', 'analysisId', 'regressions']));
    expect(schema.properties.verdict.description).toMatch(/this service/i);
  });
});

describe('EncodedVerdicts', () => {
  it('encodes a text once and hands out the same bytes while the text is the same; a new text is encoded anew', () => {
    const e = new EncodedVerdicts();
    const a = JSON.stringify({ verdict: 'pass', summary: 'ü' });
    const body = e.body('shop', a);
    expect(body.toString('utf8')).toBe(a);
    expect(e.body('shop', a)).toBe(body);
    const b = JSON.stringify({ verdict: 'fail' });
    expect(e.body('shop', b).toString('utf8')).toBe(b);
    expect(e.body('other', a)).not.toBe(body);
  });

  it('keeps at most MAX_ENCODED_VERDICTS services, then starts over', () => {
    const e = new EncodedVerdicts();
    const first = e.body('s0', '{}');
    for (let i = 1; i < MAX_ENCODED_VERDICTS; i++) e.body(`s${i}`, '{}');
    expect(e.body('s0', '{}')).toBe(first);
    e.body('one-too-many', '{}');
    expect(e.body('s0', '{}')).not.toBe(first);
  });
});
