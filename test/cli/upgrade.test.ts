/**
 * `aftershock upgrade …` as a process (bin/aftershock.js, compiled), on one embedded store: create with an
 * expectations file, list, check (exit 1 on the demo's fail), show as JSON and as the status text with the
 * checklist, the dry-run rollback, registration from deployment markers in a line-protocol file, and the clear
 * errors of a bad expectations file or a bad --change.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(__dirname, '../../bin/aftershock.js');
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-cli-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, AFTERSHOCK_DATA_DIR: path.join(dir, 'store'), UNLEASH_URL: '', UNLEASH_ADMIN_TOKEN: '', DATABASE_URL: '' };

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'upgrade', ...args], { encoding: 'utf8', timeout: 90_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe('aftershock upgrade (CLI)', () => {
  it('creates an upgrade with expectations and a checklist change, lists it, checks it (exit 1: the demo fails)', { timeout: 120_000 }, () => {
    const exp = file('exp.yaml', 'expectations:\n  - { name: no-fallbacks, kind: flat, counter: { measurement: fallback_total }, services: [shop] }\n  - { name: backoff-on, kind: flag, flag: dten.backoff.v2 }\n');
    const created = run(['create', '--name', 'shop 2.4.0', '--at', '2026-11-20T14:00:00Z', '--service', 'shop', '--flag', 'dten.hybrid.enable', '--expectations', exp, '--before', '1h', '--change', 'webhook:registered the chat webhook=>delete webhook 7']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'shop 2.4.0', services: ['shop'], flags: ['dten.hybrid.enable'], before: '1h', expectations: [{ name: 'no-fallbacks' }, { name: 'backoff-on' }] });
    expect(created.stderr).toMatch(/registered upgrade "shop 2\.4\.0"/);

    const list = run(['list']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).items.map((i: { upgrade: { name: string } }) => i.upgrade.name)).toEqual(['shop 2.4.0']);
    expect(list.stderr).toContain('shop 2.4.0 (2026-11-20T14:00:00.000Z, shop): waiting for the first analysis');

    const check = run(['check', 'shop 2.4.0', '--after', '2h']);
    expect(check.code, check.stderr).toBe(1);
    const report = JSON.parse(check.stdout);
    expect(report.verdict).toBe('fail');
    expect(report.findings.filter((f: { kind: string }) => f.kind === 'expectation')).toHaveLength(2);
    expect(check.stderr).toMatch(/Expectation "no-fallbacks" holds/);
    expect(check.stderr).toMatch(/Expectation "backoff-on" could not be checked: Unleash is not configured/);
    expect(check.stderr).toMatch(/shop 2\.4\.0: regressed: /);
  });

  it('shows the upgrade as JSON and as the status text with the checklist, and rolls back as a dry run', { timeout: 60_000 }, () => {
    const json = run(['show', 'shop 2.4.0']);
    expect(json.code, json.stderr).toBe(0);
    const view = JSON.parse(json.stdout);
    expect(view.analyses).toHaveLength(1);
    expect(view.status.state).toBe('regressed');
    // Issue 11: the demo's regression begins with the upgrade (this was null before onsets were estimated).
    expect(view.onset).toBe('2026-11-20T14:00:00.000Z');
    const md = run(['show', 'shop 2.4.0', '--format', 'markdown']);
    expect(md.stdout).toMatch(/^\*\*shop 2\.4\.0\*\* \(shop\): regressed: /);
    expect(md.stdout).toContain('## Rollback checklist: shop 2.4.0');
    expect(md.stdout).toContain('- [ ] delete webhook 7 — webhook: registered the chat webhook');
    const rb = run(['rollback', 'shop 2.4.0', '--reason', 'drill']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(JSON.parse(rb.stdout)).toMatchObject({ dryRun: true, applied: false });
    expect(rb.stderr).toContain('nothing for aftershock to revert');
  });

  it('registers upgrades from the deployment markers of a line-protocol file', { timeout: 60_000 }, () => {
    const ns = (iso: string, plus = 0) => `${BigInt(Date.parse(iso) + plus) * 1_000_000n}`;
    const lines = [];
    for (let i = 0; i < 200; i++) lines.push(`http_request,service=cart,endpoint=/add duration_ms=${20 + (i % 9)} ${ns('2026-11-22T08:00:00Z', i * 30_000)}`);
    lines.push(`deployment,service=cart version="3.1.0" ${ns('2026-11-22T09:00:00Z')}`);
    lines.push(`deployment,service=cart version="3.1.0" ${ns('2026-11-22T09:02:00Z')}`);
    const lp = file('markers.lp', lines.join('\n') + '\n');
    const r = run(['create', '--from-markers', '--source', lp, '--around', '2026-11-22T09:00:00Z', '--within', '1h']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.created.map((u: { name: string; upgradeAt: string; origin: string; version: string }) => [u.name, u.upgradeAt, u.origin, u.version])).toEqual([['cart 3.1.0', '2026-11-22T09:00:00.000Z', 'marker', '3.1.0']]);
    expect(r.stderr).toContain('2 deployment markers: registered "cart 3.1.0"');
    const again = run(['create', '--from-markers', '--source', lp, '--around', '2026-11-22T09:00:00Z', '--within', '1h']);
    expect(again.stderr).toContain('already registered: "cart 3.1.0"');
  });

  it('exits 2 with the file, entry and field named for a bad expectations file, and explains a bad --change', () => {
    const bad = file('bad.yaml', 'expectations:\n  - { name: x, kind: flag }\n');
    const r = run(['create', '--name', 'x', '--at', '2026-11-20T14:00:00Z', '--expectations', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml: expectations\.0 \(name "x"\): invalid value at "flag"/);
    const c = run(['create', '--name', 'x', '--at', '2026-11-20T14:00:00Z', '--change', 'nonsense']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--change "nonsense": expected KIND:WHAT[=>UNDO]');
    expect(run(['frobnicate']).code).toBe(2);
    expect(run(['show']).stderr).toContain('upgrade show: needs exactly one upgrade name or id');
  });
});
