/**
 * The guard's path to notifications, end to end in the service: the guard's own analyses are stored jobs, so their
 * verdict change is announced, and its decision to (dry-run) tune arrives as a `guard.action` event through the
 * guard's onDecision option and the runtime's event hook.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createService } from '../../src/http/service.ts';
import { verifySignature } from '../../src/notify/signature.ts';
import { READ_TOKEN, WRITE_TOKEN } from '../http/test-service.ts';
import { startReceiver } from './receiver.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-guard-notify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('guard notifications', () => {
  it('announces the verdict change of the guard analysis and the dry-run tune', async () => {
    const rx = await startReceiver();
    const shipped = readFileSync(new URL('../../config/guard.yaml', import.meta.url), 'utf8');
    const guardFile = path.join(dir, 'guard.yaml');
    writeFileSync(guardFile, shipped.replace(/^enabled: false/m, 'enabled: true').replace(/^interval: .*/m, 'interval: 1s'));
    const config = loadConfig();
    config.notifications = { ...(config.notifications as object), pollIntervalMs: 200, targets: [{ name: 'ops', kind: 'webhook', url: rx.url, secretEnv: 'HOOK_SECRET' }] };
    const svc = await createService({
      config,
      startGuard: true,
      env: { AFTERSHOCK_DATA_DIR: 'memory://', AFTERSHOCK_READ_TOKENS: READ_TOKEN, AFTERSHOCK_WRITE_TOKENS: WRITE_TOKEN, AFTERSHOCK_GUARD_FILE: guardFile, HOOK_SECRET: 'guard-secret' },
      logDestination: { write: () => undefined },
      adjust: (s) => {
        s.server.demoOnFirstStart = false;
      },
    });
    try {
      const events = async () => rx.requests.map((r) => ({ r, e: JSON.parse(r.body.toString('utf8')) }));
      let got = await events();
      for (let i = 0; i < 120 && !got.some(({ e }) => e.type === 'guard.action'); i++) {
        await new Promise((r) => setTimeout(r, 500));
        got = await events();
      }
      const change = got.find(({ e }) => e.type === 'verdict.changed');
      expect(change?.e).toMatchObject({ service: 'shop', verdict: 'fail', previousVerdict: null });
      const action = got.find(({ e }) => e.type === 'guard.action');
      expect(action?.e.guard).toMatchObject({ target: 'shop', step: 'tune', outcome: 'dry_run' });
      for (const { r } of got) expect(verifySignature('guard-secret', r.body, r.headers['x-aftershock-signature'] as string)).toBe(true);
      // Repeated failing evaluations are no news: one verdict change only.
      expect(got.filter(({ e }) => e.type === 'verdict.changed')).toHaveLength(1);
    } finally {
      await svc.app.close();
      await rx.close();
    }
  }, 120_000);
});
