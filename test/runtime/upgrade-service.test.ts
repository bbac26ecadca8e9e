/**
 * The upgrade service over a real embedded store and the real demo source, with no Unleash configured:
 * registration and its errors, registration from deployment markers, a check with its expectations (flat
 * counter tested, flag state unknown), actions and guard decisions linked to the upgrade, the rollback plan
 * and checklist, the status in plain words and the status text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGuardConfig } from '../../src/actions/guard-config.ts';
import { loadConfig } from '../../src/config.ts';
import { createGuard } from '../../src/runtime/guard-runtime.ts';
import { openRuntime, type Runtime } from '../../src/runtime/open-runtime.ts';
import { upgradeStatus } from '../../src/report/upgrade-status.ts';
import { PgStore } from '../../src/store/open-store.ts';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgliteClient } from '../../src/store/pg/pglite-client.ts';

const AT = '2026-11-20T14:00:00.000Z';
const expectations = [
  { kind: 'flag', name: 'backoff-on', flag: 'dten.backoff.v2' },
  { kind: 'flat', name: 'no-fallbacks', counter: { measurement: 'fallback_total' }, services: ['shop'] },
];
let sql: PgliteClient;
let rt: Runtime;
let now = Date.parse('2026-11-20T16:00:00Z');

beforeAll(async () => {
  sql = await PgliteClient.open('memory://');
  await migrate(sql);
  rt = await openRuntime({ config: loadConfig(), env: {}, store: new PgStore(sql, 'memory') });
  // The clock of the upgrade service: two hours after the upgrade.
  (rt.upgrades as unknown as { now: () => Date }).now = () => new Date(now);
});
afterAll(async () => {
  await rt?.close();
});

describe('upgrade service', () => {
  it('registers an upgrade and refuses bad input with the field named', async () => {
    const u = await rt.upgrades.create({ name: 'shop 2.4.0', upgradeAt: '2026-11-20T14:00:00Z', services: ['shop'], flags: ['dten.backoff.v2', 'dten.hybrid.enable'], expectations }, { actor: 'test', remote: true });
    expect(u).toMatchObject({ name: 'shop 2.4.0', upgradeAt: AT, source: 'demo', status: 'active', origin: 'manual' });
    const bad = (input: Record<string, unknown>) => rt.upgrades.create({ name: 'x', upgradeAt: AT, ...input } as never, { actor: 'test', remote: true }).catch((e: Error) => e.message);
    expect(await bad({ upgradeAt: 'yesterday' })).toMatch(/^upgradeAt: "yesterday" is not an RFC 3339 time/);
    expect(await bad({ source: '/etc/passwd.lp' })).toMatch(/^source: "\/etc\/passwd.lp" is not a configured source/);
    expect(await bad({ name: '<b>' })).toMatch(/^name: "<b>" must be/);
    expect(await bad({ expectations: [{ kind: 'flat', name: 'f' }] })).toBe('expectations: expectations.0 (name "f"): give exactly one of counter (an event counter, e.g. { measurement: fallback_total }) or endpoint (an old path whose share of requests must not rise)');
    expect(await bad({ expectations: [{ kind: 'flags', name: 'f' }] })).toMatch(/expectations\.0 \(name "f"\): kind must be "flag" .* got "flags"$/);
    expect(await bad({ name: 'shop 2.4.0' })).toBe('an upgrade named "shop 2.4.0" already exists');
  });

  it('registers upgrades from the deployment markers in the telemetry, once', async () => {
    const first = await rt.upgrades.fromMarkers({ source: 'demo', around: '2026-11-21T09:30:00Z', within: '1h', actor: 'test', remote: true });
    expect(first.markers).toEqual([{ service: 'shop', version: '2.4.0', at: Date.parse('2026-11-21T09:30:00Z') }]);
    expect(first.created).toEqual([]);
    // "shop 2.4.0" is taken by the hand-registered one above: the marker names the same upgrade.
    expect(first.existing.map((u) => u.name)).toEqual(['shop 2.4.0']);
    const other = await rt.upgrades.fromMarkers({ source: 'demo', around: '2026-11-21T09:30:00Z', within: '1h', services: ['accounts'], actor: 'test', remote: true }).catch((e: Error) => e.message);
    expect(other).toMatch(/no deployment markers between .* for accounts/);
  });

  it('checks the upgrade: one analysis with its expectations, linked to it, the status in plain words', { timeout: 60_000 }, async () => {
    const { result, analysisId } = await rt.upgrades.check('shop 2.4.0', { owner: 'cli:test' });
    const exp = result.report.findings.filter((f) => f.kind === 'expectation');
    expect(exp.map((f) => [f.expectation!.name, f.expectation!.outcome])).toEqual([['no-fallbacks', 'pass'], ['backoff-on', 'unknown']]);
    expect(exp[1].reason).toMatch(/^Expectation "backoff-on" could not be checked: Unleash is not configured/);
    const record = await rt.store.reports.get(analysisId);
    expect(record!.request).toMatchObject({ upgradeAt: AT, before: '2h', after: '2h', services: ['shop'] });
    const view = await rt.upgrades.view('shop 2.4.0');
    expect(view.analyses.map((a) => a.id)).toEqual([analysisId]);
    expect(view.latest!.analysisId).toBe(analysisId);
    // Issue 11: the demo's regression begins with the upgrade, and the view says so (it was null before onsets existed).
    expect(view.onset).toBe(new Date(AT).toISOString());
    expect(view.onsetDetail!.description).toMatch(/consistent with the upgrade$/);
    expect(upgradeStatus(view)).toMatchObject({ state: 'regressed' });
    expect(upgradeStatus(view).sentence).toMatch(/^regressed: p99\.9 on \/checkout \+\d+ % \(and \d+ more\)$/);
  });

  it('links actions made for it and plans the rollback: nothing automated without applied actions, a checklist for the rest', async () => {
    const rec = await rt.actions.killSwitch({ actor: 'test', reason: 'p99 regression', upgradeId: (await rt.upgrades.get('shop 2.4.0')).id });
    expect(rec.status).toBe('dry_run');
    await rt.upgrades.recordChange('shop 2.4.0', { kind: 'webhook', description: 'registered a chat webhook for status updates', undo: 'delete webhook 7 in the chat admin', ref: '7', recordedBy: 'notify' });
    const view = await rt.upgrades.view('shop 2.4.0');
    expect(view.actions.map((a) => [a.id, a.kind, a.status])).toEqual([[rec.id, 'kill_switch', 'dry_run']]);
    expect(view.plan.automated).toBe(0);
    expect(view.plan.steps.map((s) => [s.kind, s.state])).toEqual([['manual', 'todo'], ['manual', 'todo']]);
    expect(view.plan.checklist).toContain('Nothing for aftershock to revert: it changed no flag for this upgrade.');
    expect(view.plan.checklist).toContain('- [ ] set dten.hybrid.enable back to its state before the upgrade in Unleash');
    expect(view.plan.checklist).toMatch(/- \[ \] delete webhook 7 in the chat admin — webhook: registered a chat webhook/);
    const out = await rt.upgrades.rollback('shop 2.4.0', { actor: 'test', reason: 'drill' });
    expect(out).toMatchObject({ dryRun: true, applied: false, actions: [] });
    expect(out.message).toBe('nothing for aftershock to revert: it changed no flag for this upgrade; 2 steps for a person remain (checklist)');
  });

  it('lets a guard target name the upgrade instead of repeating it, and links its decisions', { timeout: 60_000 }, async () => {
    const raw = {
      enabled: true, dryRun: true, interval: '1m', targets: [{ name: 'shop-upgrade', upgrade: 'shop 2.4.0', before: '1h' }],
      hysteresis: { consecutive: 1 }, cooldown: 0, maxActionsPerHour: 2,
      steps: { tune: { enabled: true, when: ['tail_latency'], maxPerEpisode: 1, aim: 0.5 }, killSwitch: { enabled: true, when: ['tail_latency'] } }, lockKey: 4242,
    };
    const g = createGuard(rt, parseGuardConfig(raw, 'test guard'), { now: () => new Date(now) });
    const [d] = await g.runOnce();
    expect(d.evaluation).toBe('failing');
    const record = await rt.store.reports.get(d.analysisId!);
    expect(record!.request).toMatchObject({ source: 'demo', upgradeAt: AT, before: '1h', services: ['shop'], upgradeId: (await rt.upgrades.get('shop 2.4.0')).id });
    expect(record!.request.expectations).toHaveLength(2);
    const view = await rt.upgrades.view('shop 2.4.0');
    expect(view.decisions.map((x) => x.id)).toEqual([d.id]);
    expect(view.analyses.at(-1)!.byGuard).toBe(true);
    const unknown = parseGuardConfig({ ...raw, lockKey: 1, targets: [{ name: 'ghost', upgrade: 'no such upgrade' }] }, 'test guard');
    const [e] = await createGuard(rt, unknown).runOnce();
    expect(e).toMatchObject({ evaluation: 'error', reason: 'did nothing because the target could not be resolved: upgrade "no such upgrade" does not exist' });
  });

  it('refuses guard targets that give both or neither of upgrade and upgradeAt', () => {
    const base = { enabled: true, dryRun: true, interval: '1m', hysteresis: { consecutive: 1 }, cooldown: 0, maxActionsPerHour: 1, steps: { tune: { enabled: false, when: [], maxPerEpisode: 0, aim: 0.5 }, killSwitch: { enabled: false, when: [] } }, lockKey: 1 };
    expect(() => parseGuardConfig({ ...base, targets: [{ name: 'a', upgrade: 'u', upgradeAt: AT }] }, 'g.yaml')).toThrow('g.yaml: targets.0 gives both upgrade and upgradeAt; the upgrade "u" already has its time');
    expect(() => parseGuardConfig({ ...base, targets: [{ name: 'a', source: 'demo' }] }, 'g.yaml')).toThrow('g.yaml: targets.0 needs upgradeAt (RFC 3339) or upgrade (the name or id of a registered upgrade)');
    expect(() => parseGuardConfig({ ...base, targets: [{ name: 'a', upgradeAt: AT }] }, 'g.yaml')).toThrow('g.yaml: targets.0 needs source (a configured source name) unless it names an upgrade');
  });

  it('writes the short status text in Markdown and plain text', async () => {
    now = Date.parse('2026-11-20T17:00:00Z');
    const md = await rt.upgrades.statusText('shop 2.4.0', 'markdown', '/upgrades/x');
    expect(md).toMatch(/^\*\*shop 2\.4\.0\*\* \(shop\): regressed: p99(\.9)? on \/checkout \+[\d.]+ % \(and \d+ more\)\nUpgrade 2026-11-20 14:00 UTC \(3 h ago\) · verdict fail · expectations 1 of 2 hold · rollback: 0 automated, 2 manual steps\n\[Upgrade page\]\(\/upgrades\/x\)\n$/);
    const plain = await rt.upgrades.statusText('shop 2.4.0', 'plain');
    expect(plain.startsWith('shop 2.4.0 (shop): regressed: ')).toBe(true);
    expect(plain).not.toContain('**');
  });
});
