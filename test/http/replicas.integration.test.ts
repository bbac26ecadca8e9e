/**
 * Several replicas on one PostgreSQL (DATABASE_URL): they migrate concurrently, a replica starting does not
 * fail analyses another live replica is running, analyses of a replica that died (stale heartbeat) are
 * failed by the next one to start, and reports written by one are read by the other.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../store/pg-test-database.ts';
import { READ_TOKEN, WRITE_TOKEN, auth, startTestService, waitFinished, type TestService } from './test-service.ts';

describe('replicas sharing PostgreSQL', () => {
  let url: string;
  let drop: () => Promise<void>;
  const services: TestService[] = [];
  beforeAll(async () => {
    ({ url, drop } = await createTestDatabase(inject('postgresAdminUrl'), 'aftershock_replicas'));
  });
  afterAll(async () => {
    for (const s of services) await s.close().catch(() => undefined);
    await drop?.();
  });

  const start = async () => {
    const s = await startTestService({ env: { DATABASE_URL: url }, adjust: (x) => (x.store.staleAfterMs = 20_000) });
    services.push(s);
    return s;
  };

  it('two replicas start together, share reports, and leave each other’s running analyses alone', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.storeDescription).toMatch(/^PostgreSQL postgres:\/\//);
    const { id } = (await a.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: { source: 'sleep:1500', upgradeAt: '2026-11-20T14:00:00Z', services: ['shop'] } })).json();
    await new Promise((r) => setTimeout(r, 300));
    // A third replica starting now must not take A's running analysis for an interrupted one.
    const c = await start();
    expect(c.recovered).toBe(0);
    const done = await waitFinished(a, id);
    expect(done.status).toBe('done');
    const fromB = (await b.app.inject({ url: `/v1/analyses/${id}`, headers: auth(READ_TOKEN) })).json();
    expect(fromB).toMatchObject({ id, status: 'done' });
    const verdict = await b.app.inject({ url: '/v1/verdict?service=shop', headers: auth(READ_TOKEN) });
    expect(verdict.json()).toMatchObject({ analysisId: id, verdict: 'fail' });
  });

  it('fails the analyses of a replica whose heartbeat went stale when the next replica starts', async () => {
    const s = services[0];
    const orphan = await s.deps.store.create({ request: { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }, owner: 'crashed-replica', now: new Date(Date.now() - 60_000) });
    const next = await start();
    expect(next.recovered).toBe(1);
    const got = (await next.app.inject({ url: `/v1/analyses/${orphan.id}`, headers: auth(READ_TOKEN) })).json();
    expect(got).toMatchObject({ status: 'failed', error: expect.stringContaining('interrupted') });
  });

  it('a running replica sweeps analyses whose owner stopped heartbeating, without a restart', async () => {
    const s = await startTestService({ env: { DATABASE_URL: url }, adjust: (x) => ((x.store.staleAfterMs = 5_000), (x.store.heartbeatMs = 200)) });
    services.push(s);
    const orphan = await s.deps.store.create({ request: { source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }, owner: 'another-crashed-replica', now: new Date(Date.now() - 60_000) });
    const until = Date.now() + 10_000;
    let status = 'queued';
    while (status === 'queued' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await s.deps.store.get(orphan.id))!.status;
    }
    expect(status).toBe('failed');
  });
});
