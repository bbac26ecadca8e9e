/**
 * Notifications end to end below the HTTP layer: the Notifier over a real store (embedded PGlite) sending to real
 * receivers (node:http on 127.0.0.1). A receiver that verifies the signature and the signed timestamp; one that
 * fails twice then succeeds; a final 4xx; a stalled receiver next to a healthy one; a restart that resumes a
 * delivery with its attempt count; verdict-change detection; guard actions; the Slack message.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, Verdict } from '../../src/analysis/types.ts';
import { loadConfig } from '../../src/config.ts';
import { notifySettings, type NotifySettings } from '../../src/notify/notify-config.ts';
import { Notifier } from '../../src/notify/notifier.ts';
import { checkDelivery, verifySignature } from '../../src/notify/signature.ts';
import { openStore, type PgStore } from '../../src/store/open-store.ts';
import type { DeliveryStatus } from '../../src/store/notification-log.ts';
import type { GuardDecision } from '../../src/store/guard-log.ts';
import { finding, makeReport, makeSeries } from '../store/report-fixtures.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const SECRET = 'test-signing-secret-0123456789';
const BASE = 'https://aftershock.example.com';
const quiet = { info: () => undefined, warn: () => undefined };

let store: PgStore;
const receivers: Receiver[] = [];
const notifiers: Notifier[] = [];

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
}, 60_000);
afterAll(async () => store?.close());
beforeEach(async () => {
  for (const t of ['notification_attempts', 'notification_deliveries', 'service_verdicts']) await store.sql.query(`DELETE FROM ${t}`);
});
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close(0)));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(answer?: Receiver['answer']): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

function settings(targets: unknown[], extra: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): NotifySettings {
  const config = loadConfig();
  config.notifications = {
    ...(config.notifications as object),
    minDelayMs: 50,
    maxDelayMs: 200,
    attemptTimeoutMs: 1500,
    deadlineMs: 20_000,
    leaseMs: 60_000,
    pollIntervalMs: 200,
    publicBaseUrl: BASE,
    targets,
    ...extra,
  };
  return notifySettings(config, { HOOK_SECRET: SECRET, ...env });
}

const hook = (url: string, name = 'hook') => ({ name, kind: 'webhook', url, secretEnv: 'HOOK_SECRET' });

function notifier(s: NotifySettings, owner = 'test-owner'): Notifier {
  const n = new Notifier({ store: store.notifications, settings: s, owner, log: quiet, random: () => 0.5 });
  notifiers.push(n);
  n.start();
  return n;
}

function result(verdict: Verdict, findings: Finding[], upgradeAt = '2026-11-20T14:00:00.000Z') {
  return { report: makeReport(verdict, findings, upgradeAt), series: makeSeries('shop') };
}
const failing = () => result('fail', [finding('shop', '/checkout', 'regression'), finding('shop', '/cart', 'no_change')]);
const passing = (upgradeAt?: string) => result('pass', [finding('shop', '/checkout', 'no_change')], upgradeAt);

async function waitStatus(status: DeliveryStatus, count = 1, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { items } = await store.notifications.list({ status });
    if (items.length >= count) return items;
    if (Date.now() > until) throw new Error(`fewer than ${count} ${status} deliveries after ${timeoutMs} ms: ${JSON.stringify((await store.notifications.list()).items.map((d) => [d.target, d.status, d.attempts, d.lastError]))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('notification delivery', () => {
  it('sends a verdict change as a signed webhook that a receiver verifies (signature over the raw body, signed timestamp)', async () => {
    const rx = await receiver();
    const n = notifier(settings([hook(rx.url)]));
    n.analysisDone('a-1', failing());
    const [req] = await rx.waitFor(1);
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.headers['x-aftershock-event']).toBe('verdict.changed');
    // The receiver's whole check, as the README shows it.
    expect(checkDelivery({ secret: SECRET, body: req.body, signature: req.headers['x-aftershock-signature'] as string, timestamp: req.headers['x-aftershock-timestamp'] as string, nowMs: Date.now() })).toBeNull();
    // A changed byte, another secret, or a replay an hour later are refused.
    const tampered = Buffer.from(req.body.toString('utf8').replace('"fail"', '"pass"'));
    expect(verifySignature(SECRET, tampered, req.headers['x-aftershock-signature'] as string)).toBe(false);
    expect(verifySignature('another-secret', req.body, req.headers['x-aftershock-signature'] as string)).toBe(false);
    expect(checkDelivery({ secret: SECRET, body: req.body, signature: req.headers['x-aftershock-signature'] as string, timestamp: req.headers['x-aftershock-timestamp'] as string, nowMs: Date.now() + 3_600_000 })).toMatch(/replay/);

    const event = JSON.parse(req.body.toString('utf8'));
    expect(event).toMatchObject({
      schemaVersion: 1,
      type: 'verdict.changed',
      service: 'shop',
      verdict: 'fail',
      previousVerdict: null,
      analysisId: 'a-1',
      upgradeAt: '2026-11-20T14:00:00.000Z',
      counts: { findings: 2, regressions: 1, insufficientData: 0 },
      regressions: [{ kind: 'tail_latency', subject: '/checkout', statistic: 'p99', before: 600, after: 800, text: '/checkout p99 600 → 800 ms (+33.3 %)' }],
      links: { report: `${BASE}/v1/analyses/a-1/report.html`, analysis: `${BASE}/v1/analyses/a-1` },
    });
    expect(event.sentence).toMatch(/^Fail: \/checkout got slower/);
    expect(Math.floor(Date.parse(event.sentAt) / 1000)).toBe(Number(req.headers['x-aftershock-timestamp']));
    const [d] = await waitStatus('delivered');
    expect(d).toMatchObject({ target: 'hook', kind: 'webhook', eventType: 'verdict.changed', eventId: event.id, attempts: 1, lastStatusCode: 200, lastError: null });
    expect(req.headers['x-aftershock-delivery']).toBe(String(d.id));
  });

  it('retries a receiver that fails twice then succeeds, recording each attempt; every attempt is signed, same event id', async () => {
    const rx = await receiver((i) => (i < 2 ? { status: 503, body: 'warming up' } : { status: 200 }));
    notifier(settings([hook(rx.url)])).analysisDone('a-2', failing());
    const [d] = await waitStatus('delivered');
    expect(rx.requests).toHaveLength(3);
    const ids = rx.requests.map((r) => JSON.parse(r.body.toString('utf8')).id);
    expect(new Set(ids).size).toBe(1);
    for (const r of rx.requests) expect(verifySignature(SECRET, r.body, r.headers['x-aftershock-signature'] as string)).toBe(true);
    // Backoff between attempts (min 50 ms, full jitter at 0.5 → 25 ms, then 50 ms).
    expect(rx.requests[1].at - rx.requests[0].at).toBeGreaterThanOrEqual(20);
    expect(d.attempts).toBe(3);
    expect(d.history.map((h) => [h.attempt, h.ok, h.statusCode, h.error])).toEqual([
      [1, false, 503, 'HTTP 503: warming up'],
      [2, false, 503, 'HTTP 503: warming up'],
      [3, true, 200, null],
    ]);
  });

  it("waits as long as a 429's Retry-After asks before the next attempt", async () => {
    const rx = await receiver((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    notifier(settings([hook(rx.url)])).analysisDone('a-ra', failing());
    await waitStatus('delivered');
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1].at - rx.requests[0].at).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once on a final 4xx and marks the delivery failed with the answer', async () => {
    const rx = await receiver(() => ({ status: 400, body: 'unknown schema' }));
    notifier(settings([hook(rx.url)])).analysisDone('a-3', failing());
    const [d] = await waitStatus('failed');
    expect(rx.requests).toHaveLength(1);
    expect(d).toMatchObject({ attempts: 1, lastStatusCode: 400, lastError: 'HTTP 400: unknown schema' });
  });

  it('a stalled receiver holds only its own delivery: the healthy target is served meanwhile, and close() does not wait for it', async () => {
    const slow = await receiver(() => 'stall');
    const fast = await receiver();
    const n = notifier(settings([hook(slow.url, 'slow'), hook(fast.url, 'fast')], { attemptTimeoutMs: 5000 }));
    const t0 = Date.now();
    n.analysisDone('a-4', failing());
    await fast.waitFor(1);
    const [done] = await waitStatus('delivered');
    expect(done.target).toBe('fast');
    expect(Date.now() - t0).toBeLessThan(3000);
    await slow.waitFor(1);
    const t1 = Date.now();
    await n.close(0);
    expect(Date.now() - t1).toBeLessThan(1000);
    // Cancelled by the shutdown, not failed: it stays pending, unleased, for the next start.
    const [pending] = await waitStatus('pending');
    expect(pending).toMatchObject({ target: 'slow', status: 'pending' });
    const claimable = await store.notifications.claim({ owner: 'probe', limit: 5, leaseMs: 1000, now: new Date() });
    expect(claimable.map((d) => d.target)).toEqual(['slow']);
  });

  it('a restart resumes an undelivered notification, counting attempts across processes', async () => {
    let up = false;
    const rx = await receiver(() => (up ? { status: 200 } : { status: 503 }));
    // Long backoff: the first process stops while the delivery waits in the queue for its next attempt.
    const slowRetry = settings([hook(rx.url)], { minDelayMs: 60_000, maxDelayMs: 60_000, deadlineMs: 600_000 });
    const first = notifier(slowRetry, 'process-1');
    first.analysisDone('a-5', failing());
    await rx.waitFor(1);
    let [pending] = await waitStatus('pending');
    // The attempt is recorded first, then the delivery rescheduled.
    for (let i = 0; i < 200 && Date.parse(pending.nextAttemptAt) <= Date.parse(pending.createdAt); i++) {
      await new Promise((r) => setTimeout(r, 25));
      [pending] = await waitStatus('pending');
    }
    expect(pending.attempts).toBe(1);
    // Full jitter at 0.5 of 60 s: due 30 s after the failure, and not before.
    expect(Date.parse(pending.nextAttemptAt) - Date.parse(pending.history[0].startedAt)).toBeGreaterThanOrEqual(29_000);
    await first.close(0);
    up = true;
    // The next process honours the schedule: here its clock is a minute ahead.
    const later = new Notifier({ store: store.notifications, settings: slowRetry, owner: 'process-2', log: quiet, now: () => new Date(Date.now() + 60_000) });
    notifiers.push(later);
    later.start();
    const [d] = await waitStatus('delivered');
    expect(rx.requests).toHaveLength(2);
    expect(d.history.map((h) => [h.attempt, h.statusCode])).toEqual([
      [1, 503],
      [2, 200],
    ]);
  });

  it('a process stopped in the middle of an attempt leaves the delivery due at once for the next one', async () => {
    let stall = true;
    const rx = await receiver(() => (stall ? 'stall' : { status: 200 }));
    const first = notifier(settings([hook(rx.url)], { attemptTimeoutMs: 30_000 }), 'process-1');
    first.analysisDone('a-6', failing());
    await rx.waitFor(1);
    await first.close(0);
    stall = false;
    notifier(settings([hook(rx.url)]), 'process-2');
    const [d] = await waitStatus('delivered');
    // The cut-off attempt is on record with why it ended.
    expect(d.history.map((h) => [h.attempt, h.ok, h.statusCode])).toEqual([
      [1, false, null],
      [2, true, 200],
    ]);
    expect(d.history[0].error).toMatch(/shutting down/);
  });

  it('a receiver that stays down uses its retries, then the delivery fails; the waits are spent in the queue, not in a slot', async () => {
    const down = await receiver(() => ({ status: 503 }));
    const fine = await receiver();
    const n = notifier(settings([hook(down.url, 'down'), hook(fine.url, 'fine')], { retries: 3, concurrency: 1 }));
    n.analysisDone('a-7', failing());
    const [failed] = await waitStatus('failed');
    expect(failed).toMatchObject({ target: 'down', attempts: 4, lastStatusCode: 503 });
    expect(down.requests).toHaveLength(4);
    // With one slot, the healthy target was served between the down target's attempts, not after all of them.
    expect(fine.requests[0].at).toBeLessThan(down.requests[3].at);
  });

  it('notifies on changes only: a first pass is quiet, pass → fail and fail → warn are news, repeats and older upgrades are not', async () => {
    const rx = await receiver();
    const n = notifier(settings([hook(rx.url)]));
    const warn = result('warn', [{ ...finding('shop', '/checkout', 'insufficient_data'), pValue: null, qValue: null }], '2026-11-21T09:00:00.000Z');
    const steps: Array<[string, ReturnType<typeof failing>]> = [
      ['p1', passing()],
      ['f1', failing()],
      ['f2', failing()],
      ['old', passing('2026-11-01T00:00:00.000Z')],
      ['w1', warn],
    ];
    for (const [id, r] of steps) {
      n.analysisDone(id, r);
      await n.settled();
    }
    await waitStatus('delivered', 2);
    const events = (await rx.waitFor(2)).map((r) => JSON.parse(r.body.toString('utf8')));
    expect(events.map((e) => [e.analysisId, e.previousVerdict, e.verdict])).toEqual([
      ['f1', 'pass', 'fail'],
      ['w1', 'fail', 'warn'],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.requests).toHaveLength(2);
  });

  it("judges each service on its own findings and honours a target's services and events filters", async () => {
    const all = await receiver();
    const cartOnly = await receiver();
    const guardOnly = await receiver();
    const n = notifier(
      settings([hook(all.url, 'all'), { ...hook(cartOnly.url, 'cart-only'), services: ['cart'] }, { ...hook(guardOnly.url, 'guard-only'), events: ['guard.action'] }]),
    );
    // One report, two services: shop regressed, cart did not.
    n.analysisDone('m-1', result('fail', [finding('shop', '/checkout', 'regression'), { ...finding('cart', '/add', 'insufficient_data'), pValue: null, qValue: null }]));
    await n.settled();
    await waitStatus('delivered', 3);
    const verdicts = all.requests.map((r) => JSON.parse(r.body.toString('utf8'))).map((e) => [e.service, e.verdict]);
    expect(verdicts.sort()).toEqual([
      ['cart', 'warn'],
      ['shop', 'fail'],
    ]);
    expect(cartOnly.requests.map((r) => JSON.parse(r.body.toString('utf8')).service)).toEqual(['cart']);
    expect(guardOnly.requests).toHaveLength(0);
  });

  it('sends guard actions (acted, dry run, not applied) and nothing for decisions without a step', async () => {
    const rx = await receiver();
    const n = notifier(settings([hook(rx.url)]));
    const decision = (over: Partial<GuardDecision>): GuardDecision => ({
      id: 7,
      createdAt: new Date().toISOString(),
      guardId: 'g1',
      target: 'shop-checkout',
      evaluation: 'failing',
      decision: 'dry_run',
      step: 'tune',
      reason: 'dry run (would tune): p99 regression twice in a row',
      consecutive: 2,
      actionId: 3,
      analysisId: 'a-9',
      verdict: 'fail',
      details: null,
      ...over,
    });
    n.guardDecision(decision({ evaluation: 'passing', decision: 'nothing', step: null, id: 6 }));
    n.guardDecision(decision({}));
    await n.settled();
    const [req] = await rx.waitFor(1);
    expect(req.headers['x-aftershock-event']).toBe('guard.action');
    expect(JSON.parse(req.body.toString('utf8'))).toMatchObject({
      type: 'guard.action',
      guard: { id: 'g1', target: 'shop-checkout', step: 'tune', outcome: 'dry_run', decisionId: 7, actionId: 3, analysisId: 'a-9', verdict: 'fail' },
      links: { report: `${BASE}/v1/analyses/a-9/report.html` },
    });
    await waitStatus('delivered');
    expect(rx.requests).toHaveLength(1);
  });

  it('posts a Slack-compatible message: verdict sentence, top regressions, link to the report page, names escaped', async () => {
    const slack = await receiver();
    const n = notifier(settings([{ name: 'chat', kind: 'slack', urlEnv: 'SLACK_URL' }], {}, { SLACK_URL: slack.url }));
    n.analysisDone('s-1', result('fail', [finding('shop', '/checkout', 'regression'), finding('shop', '/a<b>&c', 'regression')]));
    const [req] = await slack.waitFor(1);
    expect(req.headers['x-aftershock-signature']).toBeUndefined();
    const msg = JSON.parse(req.body.toString('utf8'));
    expect(msg.text).toMatch(/^:x: \*aftershock: shop is FAIL\* \(first verdict\)\nFail: /);
    expect(msg.text).toContain('Top regressions:\n• /checkout p99 600 → 800 ms (+33.3 %)\n• /a&lt;b&gt;&amp;c p99 600 → 800 ms (+33.3 %)');
    expect(msg.text).toContain(`<${BASE}/v1/analyses/s-1/report.html|Open the report>`);
    expect(msg.blocks.every((b: { type: string; text: { type: string } }) => b.type === 'section' && b.text.type === 'mrkdwn')).toBe(true);
    expect(msg.blocks.map((b: { text: { text: string } }) => b.text.text).join('\n')).toBe(msg.text);
  });
});
