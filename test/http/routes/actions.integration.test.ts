/**
 * /v1/flag, /v1/actions… and /v1/guard/decisions through the real app (inject) against the real Unleash
 * server: scopes, dry run by default with the exact diff, apply, bounds (422), revert and its 409, the audit
 * log with cursor pagination, tuning from a real demo analysis's recommendation, and the unconfigured mode.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.ts';
import { admin, seedFlag, TEST_ENVIRONMENT, TEST_VARIANT } from '../../actions/support/unleash-seed.ts';
import { auth, READ_TOKEN, startTestService, waitFinished, WRITE_TOKEN, type TestService } from '../test-service.ts';

const url = inject('unleashUrl');
const adminToken = inject('unleashAdminToken');
const DEMO_NEW_STRATEGY = { baseMs: 400, maxMs: 8000, multiplier: 2, jitter: 0.5, maxAttempts: 4 };

function configFor(flag: string | null): Config {
  const config = loadConfig();
  if (flag) config.unleash = { ...(config.unleash as object), url, adminToken, environment: TEST_ENVIRONMENT, flag, variant: TEST_VARIANT, retryBaseMs: 50 };
  return config;
}

describe('action routes against a real Unleash', () => {
  let service: TestService;
  let flag: string;
  beforeAll(async () => {
    flag = await seedFlag(url, adminToken, { constants: DEMO_NEW_STRATEGY });
    service = await startTestService({ config: configFor(flag), realAnalysis: true });
  });
  afterAll(async () => {
    await service?.close();
  });

  const post = (path: string, body: unknown, token = WRITE_TOKEN) => service.app.inject({ method: 'POST', url: path, headers: auth(token), payload: body as object });
  const get = (path: string) => service.app.inject({ url: path, headers: auth(READ_TOKEN) });

  it('shows the flag; writes need the write scope', async () => {
    const res = await get('/v1/flag');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ configured: true, flag, environment: TEST_ENVIRONMENT, enabled: true, constants: DEMO_NEW_STRATEGY, bounds: { baseMs: { min: 10, max: 2000 } } });
    expect((await post('/v1/actions/kill-switch', { reason: 'x' }, READ_TOKEN)).statusCode).toBe(403);
    expect((await service.app.inject({ method: 'POST', url: '/v1/actions/kill-switch', payload: { reason: 'x' } })).statusCode).toBe(401);
    const noReason = await post('/v1/actions/kill-switch', {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().message).toMatch(/body.reason is required/);
  });

  it('dry run by default returns the exact diff; dryRun false applies and records who/why/before/after; revert restores', async () => {
    const dry = await post('/v1/actions/backoff-constants', { constants: { baseMs: 100 }, reason: 'p99 up on /checkout', analysisId: 'an-1' });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ applied: false, dryRun: true, diff: [{ field: 'constants.baseMs', from: 400, to: 100 }] });
    expect((await get('/v1/flag')).json().constants.baseMs).toBe(400);

    const res = await post('/v1/actions/backoff-constants', { constants: { baseMs: 100 }, reason: 'p99 up on /checkout', analysisId: 'an-1', dryRun: false });
    expect(res.json()).toMatchObject({ applied: true, dryRun: false });
    const action = res.json().action;
    expect(action).toMatchObject({ kind: 'backoff_constants', status: 'applied', actor: expect.any(String), reason: 'p99 up on /checkout', analysisId: 'an-1', before: { enabled: true, constants: DEMO_NEW_STRATEGY }, after: { enabled: true, constants: { ...DEMO_NEW_STRATEGY, baseMs: 100 } } });
    expect(action.actor).not.toBe('anonymous');
    expect((await get('/v1/flag')).json().constants.baseMs).toBe(100);

    const revert = await post(`/v1/actions/${action.id}/revert`, { dryRun: false, reason: 'undo' });
    expect(revert.json()).toMatchObject({ applied: true, diff: [{ field: 'constants.baseMs', from: 100, to: 400 }], action: { kind: 'revert', revertsId: action.id } });
    expect((await get('/v1/flag')).json().constants.baseMs).toBe(400);
    expect((await get(`/v1/actions/${action.id}`)).json().revertedById).toBe(revert.json().action.id);
    const again = await post(`/v1/actions/${action.id}/revert`, { dryRun: false });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/already reverted/) });
  });

  it('refuses out-of-bounds constants with 422 naming the field and bound', async () => {
    const res = await post('/v1/actions/backoff-constants', { constants: { multiplier: 6 }, reason: 'too far', dryRun: false });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'OUT_OF_BOUNDS', message: expect.stringMatching(/multiplier=6 is above the maximum 4/) });
  });

  it('kill switch, then revert with 409 when the flag was changed by hand in between', async () => {
    const kill = await post('/v1/actions/kill-switch', { reason: 'tuning did not help', dryRun: false });
    expect(kill.json()).toMatchObject({ applied: true, diff: [{ field: 'enabled', from: true, to: false }] });
    await admin(url, adminToken, 'POST', `/api/admin/projects/default/features/${flag}/environments/${TEST_ENVIRONMENT}/on`);
    const res = await post(`/v1/actions/${kill.json().action.id}/revert`, { dryRun: false });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/changed since action \d+ \(enabled: false → true\)/);
  });

  it('tunes from the recommendation of a stored (real demo) analysis', async () => {
    const created = await post('/v1/analyses', { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z', services: ['shop'] });
    expect(created.statusCode).toBe(202);
    const id = created.json().id as string;
    await waitFinished(service, id, 60_000);
    const res = await post('/v1/actions/backoff-constants', { analysisId: id, reason: 'apply the recommendation' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.dryRun).toBe(true);
    expect(body.recommendation).toMatchObject({ action: 'tune', service: 'shop', upstream: 'payments-api' });
    expect(body.diff).toEqual([{ field: 'constants.baseMs', from: 400, to: body.recommendation.constants.baseMs }]);
    expect(body.recommendation.rationale.join(' ')).toMatch(/\/checkout p99: waits add/);
  });

  it('stores every analysis with its recommendation against the live constants, shown in report.md and report.html (issue 14)', async () => {
    const created = await post('/v1/analyses', { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z', services: ['shop'] });
    const id = created.json().id as string;
    const done = await waitFinished(service, id, 60_000);
    const { recommendation } = (done as { report: { recommendation: Record<string, unknown> } }).report;
    expect(recommendation).toMatchObject({ action: 'tune', service: 'shop', currentSource: 'flag', assumption: null, current: DEMO_NEW_STRATEGY });
    const md = await get(`/v1/analyses/${id}/report.md`);
    expect(md.body).toContain('## Recommendation: tune the backoff constants');
    expect(md.body).toContain(`Computed against the flag's live constants ${JSON.stringify(DEMO_NEW_STRATEGY)}.`);
    const html = await get(`/v1/analyses/${id}/report.html`);
    expect(html.body).toContain('<h2 id="recommendation">Recommendation: tune the backoff constants</h2>');
  });

  it('lists the audit log newest first with a cursor, and guard decisions', async () => {
    const page1 = (await get('/v1/actions?limit=2')).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0].id).toBeGreaterThan(page1.items[1].id);
    const page2 = (await get(`/v1/actions?limit=2&before=${page1.nextBefore}`)).json();
    expect(page2.items[0].id).toBeLessThan(page1.items[1].id);
    const applied = (await get('/v1/actions?status=applied&limit=100')).json().items;
    expect(applied.every((a: { status: string }) => a.status === 'applied')).toBe(true);
    const refused = (await get('/v1/actions?status=refused')).json().items;
    // newest first: the revert over a hand edit (409), the out-of-bounds tune (422), the second revert (409)
    expect(refused.map((r: { kind: string }) => r.kind)).toEqual(['revert', 'backoff_constants', 'revert']);
    expect(refused[0].error).toMatch(/changed since action/);
    expect(refused[1].error).toMatch(/multiplier=6/);
    expect(refused[2].error).toMatch(/already reverted/);
    const decisions = await get('/v1/guard/decisions');
    expect(decisions.statusCode).toBe(200);
    expect(decisions.json()).toEqual({ items: [], nextBefore: null });
  });
});

describe('action routes: faults and bad input found by the attack pass (issue 14)', () => {
  let service: TestService;
  let flag: string;
  const WILD = { ...DEMO_NEW_STRATEGY, maxAttempts: 50 };
  beforeAll(async () => {
    flag = await seedFlag(url, adminToken, { constants: WILD });
    service = await startTestService({ config: configFor(flag) });
  });
  afterAll(async () => {
    await service?.close();
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = auth(WRITE_TOKEN)) => service.app.inject({ method: 'POST', url: path, headers, payload: body as object });

  it('authenticates before it validates the body: no token is 401, a read token 403, whatever the body', async () => {
    for (const body of [{}, { reason: 5, dryRun: 'no' }, { constants: { baseMs: '100' } }]) {
      for (const path of ['/v1/actions/kill-switch', '/v1/actions/backoff-constants', '/v1/actions/1/revert']) {
        const anonymous = await post(path, body, {});
        expect(anonymous.statusCode, `${path} ${JSON.stringify(body)}`).toBe(401);
        expect(anonymous.json().code).toBe('UNAUTHORIZED');
        expect((await post(path, body, auth(READ_TOKEN))).statusCode, `${path} ${JSON.stringify(body)}`).toBe(403);
      }
    }
  });

  it('takes numbers only as JSON numbers and switches only as JSON booleans: no coercion', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ constants: { baseMs: '100', jitter: false, maxAttempts: true }, reason: 'x', dryRun: false }, /body\.constants\.baseMs must be a number \(a JSON number\), got "100"/],
      [{ constants: { jitter: false }, reason: 'x', dryRun: false }, /body\.constants\.jitter must be a number \(a JSON number\), got false/],
      [{ constants: { maxMs: true }, reason: 'x', dryRun: false }, /body\.constants\.maxMs must be a number \(a JSON number\), got true/],
      [{ constants: { maxAttempts: '4' }, reason: 'x', dryRun: false }, /body\.constants\.maxAttempts must be a number \(a JSON number\), got "4"/],
      [{ constants: { baseMs: 100 }, reason: 42, dryRun: false }, /body\.reason must be a string, got 42/],
    ];
    for (const [body, message] of cases) {
      const res = await post('/v1/actions/backoff-constants', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(message) });
    }
    const flagNow = (await service.app.inject({ url: '/v1/flag', headers: auth(READ_TOKEN) })).json();
    expect(flagNow.constants).toEqual(WILD);
  });

  it('the kill switch switches off a flag whose constants are outside the bounds (maxAttempts=50)', async () => {
    const res = await post('/v1/actions/kill-switch', { reason: 'p99 up, constants were edited by hand', dryRun: false });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ applied: true, diff: [{ field: 'enabled', from: true, to: false }] });
    expect((await service.app.inject({ url: '/v1/flag', headers: auth(READ_TOKEN) })).json()).toMatchObject({ enabled: false, constants: WILD });
  });
});

describe('action routes with no Unleash configured', () => {
  it('show the recommendation of a stored analysis in a dry run, against the stated default constants (issue 14)', async () => {
    const service = await startTestService({ config: configFor(null), realAnalysis: true });
    try {
      const created = await service.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z', services: ['shop'] } });
      const id = created.json().id as string;
      const done = (await waitFinished(service, id, 60_000)) as { report: { recommendation: Record<string, unknown> } };
      expect(done.report.recommendation).toMatchObject({ action: 'tune', currentSource: 'default', assumption: 'Unleash is not configured' });
      const dry = await service.app.inject({ method: 'POST', url: '/v1/actions/backoff-constants', headers: auth(WRITE_TOKEN), payload: { analysisId: id, reason: 'see what it proposes' } });
      expect(dry.statusCode).toBe(200);
      const body = dry.json();
      expect(body).toMatchObject({ applied: false, dryRun: true, action: { mode: 'unconfigured', status: 'dry_run' }, recommendation: { action: 'tune', currentSource: 'default' } });
      expect(body.notApplied).toBeUndefined();
      expect(body.recommendation.rationale[0]).toMatch(/^Assuming the default constants \{"baseMs":100,/);
      expect(body.action.target.constants).toEqual(body.recommendation.constants);
      const asked = await service.app.inject({ method: 'POST', url: '/v1/actions/backoff-constants', headers: auth(WRITE_TOKEN), payload: { analysisId: id, reason: 'apply it', dryRun: false } });
      expect(asked.json()).toMatchObject({ applied: false, notApplied: { reason: 'unleash_not_configured' } });
    } finally {
      await service.close();
    }
  });

  it('answer dry runs and say so plainly', async () => {
    const service = await startTestService({ config: configFor(null) });
    try {
      const flag = await service.app.inject({ url: '/v1/flag', headers: auth(READ_TOKEN) });
      expect(flag.json()).toMatchObject({ configured: false, message: expect.stringMatching(/Unleash is not configured .*dry run only/) });
      const res = await service.app.inject({ method: 'POST', url: '/v1/actions/kill-switch', headers: auth(WRITE_TOKEN), payload: { reason: 'test', dryRun: false } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ applied: false, dryRun: true, action: { mode: 'unconfigured' }, message: expect.stringMatching(/^Unleash is not configured.*nothing was changed\. Would apply: enabled: null → false/) });
      // Asked to apply, and nothing could be: said in a field automation can test, not only in prose (issue 14).
      expect(res.json().notApplied).toEqual({ reason: 'unleash_not_configured', message: expect.stringMatching(/^NOT APPLIED: dryRun false was asked for, but Unleash is not configured/) });
      const dry = await service.app.inject({ method: 'POST', url: '/v1/actions/kill-switch', headers: auth(WRITE_TOKEN), payload: { reason: 'test' } });
      expect(dry.json()).toMatchObject({ applied: false, dryRun: true });
      expect(dry.json().notApplied).toBeUndefined();
      const spec = (await service.app.inject({ url: '/openapi.json' })).json();
      const outcome = spec.paths['/v1/actions/kill-switch'].post.responses['200'].content['application/json'].schema;
      expect(outcome.properties.notApplied.description).toMatch(/dryRun false was asked for/);
    } finally {
      await service.close();
    }
  });
});
