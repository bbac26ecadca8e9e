/**
 * The upgrade routes with inject() over the real service (embedded store, real demo analyses in the worker
 * pool, no Unleash): register (201, repeat 200, conflict 409, bad input 400 naming the entry), list newest first
 * with the status in plain words, analyses and actions linked by upgradeId, the dry-run rollback with its
 * checklist, the status texts, the page, the landing page — and every response as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedSchema, schemaProblems } from '../openapi-check.ts';
import { auth, READ_TOKEN, startTestService, waitFinished, WRITE_TOKEN, type TestService } from '../test-service.ts';

const AT = '2026-11-20T14:00:00Z';
let svc: TestService;
let doc: { paths: Record<string, Record<string, Record<string, unknown>>> };

const body = (extra: Record<string, unknown> = {}) => ({
  name: 'shop 2.4.0', upgradeAt: AT, services: ['shop'], flags: ['dten.backoff.v2', 'dten.hybrid.enable'],
  expectations: [
    { kind: 'flag', name: 'hybrid-on', flag: 'dten.hybrid.enable' },
    { kind: 'flat', name: 'no-fallbacks', counter: { measurement: 'fallback_total' } },
  ],
  changes: [{ kind: 'webhook', description: 'registered a chat webhook', undo: 'delete webhook 7', ref: '7' }],
  ...extra,
});

beforeAll(async () => {
  svc = await startTestService({ realAnalysis: true });
  doc = (await svc.app.inject('/openapi.json')).json();
});
afterAll(async () => svc?.close());

const post = (url: string, payload: unknown, token = WRITE_TOKEN) => svc.app.inject({ method: 'POST', url, headers: auth(token), payload: payload as object });
const get = (url: string) => svc.app.inject({ url, headers: auth(READ_TOKEN) });

function documented(method: string, path: string, res: { statusCode: number; json: () => unknown }) {
  const schema = documentedSchema(doc as never, method, path, res.statusCode);
  expect(typeof schema, String(schema)).toBe('object');
  expect(schemaProblems(schema as Record<string, unknown>, res.json())).toEqual([]);
}

describe('upgrade routes', () => {
  let id: string;

  it('registers an upgrade: 201 with Location, the same again 200, another under the name 409', async () => {
    const res = await post('/v1/upgrades', body());
    expect(res.statusCode, res.body).toBe(201);
    id = res.json().upgrade.id;
    expect(res.headers.location).toBe(`/v1/upgrades/${id}`);
    expect(res.json().links.page).toBe(`/upgrades/${id}`);
    documented('POST', '/v1/upgrades', res);
    const again = await post('/v1/upgrades', body());
    expect(again.statusCode).toBe(200);
    expect(again.json().upgrade.id).toBe(id);
    const other = await post('/v1/upgrades', body({ upgradeAt: '2026-11-21T14:00:00Z' }));
    expect(other.statusCode).toBe(409);
    expect(other.json().message).toMatch(/^an upgrade named "shop 2.4.0" already exists with another time/);
  });

  it('refuses bad input with the entry named, unknown sources, and read tokens', async () => {
    const bad = await post('/v1/upgrades', body({ name: 'x', expectations: [{ kind: 'flag', name: 'f', flag: 'a', gone: true, enabled: true }] }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe('expectations: expectations.0 (name "f"): "gone: true" expects the flag removed; enabled, strategy and payloadKeys say nothing then, leave them out');
    expect((await post('/v1/upgrades', body({ name: 'y', source: '/etc/passwd.lp' }))).json().message).toMatch(/^source: "\/etc\/passwd.lp" is not a configured source/);
    expect((await post('/v1/upgrades', body({ name: 'z', upgradeAt: 'soon' }))).statusCode).toBe(400);
    expect((await post('/v1/upgrades', body({ name: 'w' }), READ_TOKEN)).statusCode).toBe(403);
  });

  it('runs an analysis for the upgrade with its expectations, and links actions made for it', { timeout: 90_000 }, async () => {
    const res = await post('/v1/analyses', { source: 'demo', upgradeAt: AT, before: '1h', after: '1h', upgradeId: 'shop 2.4.0' });
    expect(res.statusCode, res.body).toBe(202);
    const done = await waitFinished(svc, res.json().id, 60_000);
    expect(done.status).toBe('done');
    expect(done.request).toMatchObject({ upgradeId: id });
    const findings = (done.report as { findings: Array<{ kind: string; expectation?: { name: string; outcome: string } }> }).findings.filter((f) => f.kind === 'expectation');
    // The flat expectation names no services: one finding per service of the telemetry.
    expect(findings.map((f) => [f.expectation!.name, f.expectation!.outcome])).toEqual([['no-fallbacks', 'pass'], ['no-fallbacks', 'pass'], ['hybrid-on', 'unknown']]);
    expect((await post('/v1/analyses', { source: 'demo', upgradeAt: AT, upgradeId: 'nope' })).statusCode).toBe(404);

    const kill = await post('/v1/actions/kill-switch', { reason: 'p99 regression on /checkout', upgradeId: id });
    expect(kill.statusCode).toBe(200);
    expect((await post('/v1/actions/kill-switch', { reason: 'r', upgradeId: 'nope' })).statusCode).toBe(404);

    const one = await get(`/v1/upgrades/${encodeURIComponent('shop 2.4.0')}`);
    expect(one.statusCode).toBe(200);
    documented('GET', '/v1/upgrades/{id}', one);
    const j = one.json();
    expect(j.analyses).toHaveLength(1);
    expect(j.latest.verdict).toBe('fail');
    expect(j.latest.expectations).toHaveLength(3);
    expect(j.actions.map((a: { id: number; status: string }) => [a.id, a.status])).toEqual([[kill.json().action.id, 'dry_run']]);
    expect(j.status.state).toBe('regressed');
    expect(j.status.sentence).toMatch(/^regressed: p99(\.9)? on \/checkout \+/);
    // The demo's regression begins with the upgrade (issue 11's onset; null before onsets were estimated).
    expect(j.onset).toBe('2026-11-20T14:00:00.000Z');
    expect(j.plan.steps.map((s: { kind: string }) => s.kind)).toEqual(['manual', 'manual']);
  });

  it('lists upgrades newest first with their status, page by page', async () => {
    await post('/v1/upgrades', { name: 'accounts 1.2', upgradeAt: '2026-11-22T10:00:00Z', services: ['accounts'] });
    const list = await get('/v1/upgrades?limit=1');
    expect(list.statusCode).toBe(200);
    documented('GET', '/v1/upgrades', list);
    expect(list.json().items.map((i: { upgrade: { name: string } }) => i.upgrade.name)).toEqual(['accounts 1.2']);
    expect(list.json().items[0].status).toMatchObject({ state: 'pending', sentence: 'waiting for the first analysis' });
    const next = await get(`/v1/upgrades?limit=1&cursor=${list.json().nextCursor}`);
    expect(next.json().items.map((i: { upgrade: { name: string }; analyses: number }) => [i.upgrade.name, i.analyses])).toEqual([['shop 2.4.0', 1]]);
    expect((await get('/v1/upgrades?cursor=bogus')).statusCode).toBe(400);
  });

  it('rolls back as a dry run by default, with the plan and the checklist; null is not a boolean', async () => {
    const res = await post(`/v1/upgrades/${id}/rollback`, {});
    expect(res.statusCode, res.body).toBe(200);
    documented('POST', '/v1/upgrades/{id}/rollback', res);
    expect(res.json()).toMatchObject({ dryRun: true, applied: false, message: 'nothing for aftershock to revert: it changed no flag for this upgrade; 2 steps for a person remain (checklist)' });
    expect(res.json().plan.checklist).toContain('- [ ] delete webhook 7');
    expect((await svc.app.inject({ method: 'POST', url: `/v1/upgrades/${id}/rollback`, headers: auth(WRITE_TOKEN) })).statusCode).toBe(200);
    const nulled = await post(`/v1/upgrades/${id}/rollback`, { dryRun: null });
    expect(nulled.statusCode).toBe(400);
    expect(nulled.json().message).toMatch(/dryRun is null/);
    expect((await post('/v1/upgrades/nope/rollback', {})).statusCode).toBe(404);
  });

  it('serves the short status text as Markdown and plain text', async () => {
    const md = await get(`/v1/upgrades/${id}/status.md`);
    expect(md.statusCode).toBe(200);
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.body).toMatch(/^\*\*shop 2\.4\.0\*\* \(shop\): regressed: /);
    expect(md.body).toContain(`[Upgrade page](/upgrades/${id})`);
    const txt = await get(`/v1/upgrades/${id}/status.txt`);
    expect(txt.headers['content-type']).toContain('text/plain');
    expect(txt.body).toMatch(/^shop 2\.4\.0 \(shop\): regressed: /);
  });

  it('serves the upgrade page: status sentence, the onset, charts, no script, strict CSP', { timeout: 60_000 }, async () => {
    const res = await get(`/upgrades/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toMatch(/<p class="status status-regressed" id="status">Regressed: p99/);
    expect(res.body).toMatch(/<dt>Onset<\/dt><dd>(?!unknown)[^]*?14:00[^]*?consistent with the upgrade/);
    expect(res.body).toContain('id="chart-verdict-history"');
    expect(res.body).toContain('id="chart-upgrade-timeline"');
    expect(res.body).toContain('onset at 14:00 UTC');
    expect(res.body).not.toContain('<script');
    expect((await get('/upgrades/nope')).statusCode).toBe(404);
  });

  it('lists upgrades first on the landing page, and marks analyses made by the guard', async () => {
    const guard = await svc.deps.store.create({ request: { source: 'demo', upgradeAt: AT, upgradeId: id }, owner: 'guard:g1' });
    expect(guard.id).toBeTruthy();
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    const html = res.body;
    expect(html.indexOf('<h2>Upgrades</h2>')).toBeLessThan(html.indexOf('<h2>Analyses</h2>'));
    expect(html).toContain(`<a href="/upgrades/${id}">shop 2.4.0</a>`);
    expect(html).toMatch(/<span class="tag" title="made by the SLA guard">guard<\/span>/);
    // Minutes, not milliseconds: "2026-11-20 14:00 UTC".
    expect(html).toContain('<time datetime="2026-11-20T14:00:00.000Z">2026-11-20 14:00 UTC</time>');
    expect(html).not.toMatch(/>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z</);
  });
});
