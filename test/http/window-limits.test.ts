/**
 * Issue 14 items 2 and 3 in the service: a future upgradeAt is a 400 naming the field unless `allowFuture`, and an
 * analysis whose source trickles one byte every 0.5 s (a real HTTP server on 127.0.0.1) ends as a failed job whose
 * error names the deadline, in a real worker thread running the real analysis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { serve, trickle, type TestServer } from '../net/net-test-server.ts';
import { auth, startTestService, waitFinished, WRITE_TOKEN, type TestService } from './test-service.ts';

let drip: TestServer;
let s: TestService | null = null;
beforeAll(async () => {
  // A real server that answers 200 and then sends one byte every 0.5 s, forever (under any idle timeout).
  drip = await serve((_req, res) => trickle(res, 500));
});
afterEach(async () => {
  await s?.close();
  s = null;
});
afterAll(() => drip.close());

function config(deadlines: { fetchMs: number; analysisMs: number }): Config {
  const c = loadConfig();
  c.sources.slow = { kind: 'influx1', url: drip.url, db: 'telemetry' } as Config['sources'][string];
  c.deadlines = deadlines;
  return c;
}

const post = (svc: TestService, payload: Record<string, unknown>) => svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload });

describe('service: future upgrade times (issue 14 item 2)', () => {
  it('refuses an upgradeAt in the future with 400 naming the field; allowFuture accepts it', async () => {
    s = await startTestService({ realAnalysis: true });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const refused = await post(s, { source: 'demo', upgradeAt: future });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^upgradeAt: .* is in the future \(now is .*\).*allowFuture/) });
    expect((await post(s, { source: 'demo', upgradeAt: future, allowFuture: true })).statusCode).toBe(202);
  }, 60_000);
});

describe('service: total deadlines against a trickling source (issue 14 item 3)', () => {
  it('the configured analysis deadline fails the job with a reason naming it', async () => {
    s = await startTestService({ realAnalysis: true, config: config({ fetchMs: 600_000, analysisMs: 2000 }) });
    const res = await post(s, { source: 'slow', upgradeAt: '2026-11-20T14:00:00Z' });
    expect(res.statusCode).toBe(202);
    const started = Date.now();
    const done = await waitFinished(s, res.json().id, 30_000);
    expect(done).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^analysis of influx1 http:\/\/127\.0\.0\.1:\d+ db=telemetry: not done within the deadline of 2 s \(deadlines\.analysisMs\); it was reading the windows/),
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it("the request's fetchDeadline fails the job naming the read", async () => {
    s = await startTestService({ realAnalysis: true, config: config({ fetchMs: 600_000, analysisMs: 600_000 }) });
    const res = await post(s, { source: 'slow', upgradeAt: '2026-11-20T14:00:00Z', fetchDeadline: '1s' });
    expect(res.statusCode).toBe(202);
    const done = await waitFinished(s, res.json().id, 30_000);
    expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(/db=telemetry: reading the windows: not done within the deadline of 1 s \(--fetch-deadline \/ fetchDeadline\)$/) });
  }, 60_000);

  it('a deadline that is not a duration is a 400 naming the field', async () => {
    s = await startTestService({ realAnalysis: true, config: config({ fetchMs: 600_000, analysisMs: 600_000 }) });
    const res = await post(s, { source: 'slow', upgradeAt: '2026-11-20T14:00:00Z', deadline: 'soon' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/deadline/);
  }, 60_000);
});
