/**
 * `aftershock serve` runs the SLA guard inside the service when the guard file enables it: decisions appear in
 * GET /v1/guard/decisions, and closing the service stops the guard before the store closes. With the shipped
 * guard file (enabled: false) no guard runs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createService } from '../../src/http/service.ts';
import { READ_TOKEN, WRITE_TOKEN } from './test-service.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-guard-svc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function service(guardFile: string) {
  const lines: string[] = [];
  const svc = await createService({
    config: loadConfig(),
    startGuard: true,
    env: { AFTERSHOCK_DATA_DIR: 'memory://', AFTERSHOCK_READ_TOKENS: READ_TOKEN, AFTERSHOCK_WRITE_TOKENS: WRITE_TOKEN, AFTERSHOCK_GUARD_FILE: guardFile },
    logDestination: { write: (s: string) => void lines.push(s) },
    adjust: (s) => {
      s.server.demoOnFirstStart = false;
    },
  });
  return { svc, lines };
}

describe('SLA guard inside the service', () => {
  it('records dry-run decisions for a failing target when enabled, and stops with the service', async () => {
    const shipped = readFileSync(new URL('../../config/guard.yaml', import.meta.url), 'utf8');
    const file = path.join(dir, 'guard.yaml');
    writeFileSync(file, shipped.replace(/^enabled: false/m, 'enabled: true').replace(/^interval: .*/m, 'interval: 1s'));
    const { svc, lines } = await service(file);
    try {
      let items: Array<{ evaluation: string; decision: string; reason: string }> = [];
      for (let i = 0; i < 60 && items.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const res = await svc.app.inject({ url: '/v1/guard/decisions', headers: { authorization: `Bearer ${READ_TOKEN}` } });
        expect(res.statusCode).toBe(200);
        items = res.json().items;
      }
      expect(items.length).toBeGreaterThanOrEqual(2);
      // Listed, not counted, so that a failure shows what the guard saw and why.
      expect(items.filter((d) => d.evaluation !== 'failing')).toEqual([]);
      // Hysteresis first ("did nothing because …"), then a dry-run tune, since Unleash is not configured.
      const decisions = items.map((d) => d.decision);
      expect(decisions).toContain('dry_run');
      expect(lines.join('')).toMatch(/guard .*dry run \(Unleash is not configured\)/);
    } finally {
      await svc.app.close();
    }
  }, 90_000);

  it('starts no guard with the shipped guard file (enabled: false)', async () => {
    const { svc, lines } = await service(path.resolve('config/guard.yaml'));
    await svc.app.close();
    expect(lines.join('')).not.toMatch(/"msg":"guard /);
  });
});
