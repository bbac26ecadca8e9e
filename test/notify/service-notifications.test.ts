/**
 * Notifications inside the real service (createService: store, worker pool, runtime event hook): an analysis
 * submitted over HTTP completes on time while one receiver stalls, the healthy receiver gets the signed verdict
 * change, GET /v1/notifications/deliveries shows both deliveries with their attempts, and the service shuts down
 * without waiting for the stalled receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/notify/signature.ts';
import { documentedSchema, schemaProblems } from '../http/openapi-check.ts';
import { READ_TOKEN, WRITE_TOKEN, auth, scriptedConfig, startTestService, waitFinished, type TestService } from '../http/test-service.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const SECRET = 'service-test-secret';

describe('notifications in the service', () => {
  let svc: TestService;
  let slow: Receiver;
  let fast: Receiver;
  beforeAll(async () => {
    slow = await startReceiver(() => 'stall');
    fast = await startReceiver();
    const config = scriptedConfig();
    config.notifications = {
      ...(config.notifications as object),
      publicBaseUrl: 'https://aftershock.example.com',
      attemptTimeoutMs: 20_000,
      pollIntervalMs: 200,
      targets: [
        { name: 'stalled', kind: 'webhook', url: slow.url, secretEnv: 'HOOK_SECRET' },
        { name: 'healthy', kind: 'webhook', url: fast.url, secretEnv: 'HOOK_SECRET' },
      ],
    };
    svc = await startTestService({ config, env: { HOOK_SECRET: SECRET } });
  }, 60_000);
  afterAll(async () => {
    await slow?.close();
    await fast?.close();
  });

  it('the analysis completes on time while a receiver stalls; the healthy receiver gets the signed event; deliveries are listed', async () => {
    expect(svc.runtime.notifier).not.toBeNull();
    const t0 = Date.now();
    const created = await svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: { source: 'ok:fail', upgradeAt: '2026-11-20T14:00:00Z', services: ['shop'] } });
    expect(created.statusCode).toBe(202);
    const done = await waitFinished(svc, created.json().id, 15_000);
    expect(done.status).toBe('done');
    // The stalled receiver (20 s attempt timeout) is not in the analysis's way.
    expect(Date.now() - t0).toBeLessThan(10_000);

    const [req] = await fast.waitFor(1);
    expect(verifySignature(SECRET, req.body, req.headers['x-aftershock-signature'] as string)).toBe(true);
    expect(JSON.parse(req.body.toString('utf8'))).toMatchObject({ type: 'verdict.changed', service: 'shop', verdict: 'fail', analysisId: created.json().id });
    await slow.waitFor(1);

    let page: { items: Array<{ target: string; status: string; history: unknown[] }> } = { items: [] };
    for (let i = 0; i < 100 && !page.items.some((d) => d.target === 'healthy' && d.status === 'delivered'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      page = (await svc.app.inject({ url: '/v1/notifications/deliveries', headers: auth(READ_TOKEN) })).json();
    }
    expect(page.items.map((d) => [d.target, d.status]).sort()).toEqual([
      ['healthy', 'delivered'],
      ['stalled', 'pending'],
    ]);
    const doc = (await svc.app.inject('/openapi.json')).json();
    expect(schemaProblems(documentedSchema(doc, 'GET', '/v1/notifications/deliveries', 200) as Record<string, unknown>, page)).toEqual([]);
    expect(page.items.find((d) => d.target === 'healthy')).toMatchObject({ history: [{ attempt: 1, ok: true, statusCode: 200 }], event: { type: 'verdict.changed', service: 'shop' } });

    // Shutdown gives the stalled delivery a short grace, then cancels it for the next start.
    const t1 = Date.now();
    await svc.close();
    expect(Date.now() - t1).toBeLessThan(8_000);
  }, 60_000);
});
