/**
 * The reference client helper against a real unleash-client 6.12.1 instance in offline mode (bootstrap data,
 * no server): valid payload, flag off, and every kind of unusable payload falling back to the defaults.
 * The live path (a client polling the real server) is covered by test/actions/guard.integration.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InMemStorageProvider, Unleash } from 'unleash-client';
import { backoffDelayMs, DEFAULT_BACKOFF_CONSTANTS, readBackoffSettings } from '../../../src/actions/unleash/backoff-client.ts';

const clients: Unleash[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

async function offlineClient(enabled: boolean, payload: { type: string; value: string } | null): Promise<Unleash> {
  const client = new Unleash({
    url: 'http://127.0.0.1:9/api/',
    appName: 'backoff-client-test',
    refreshInterval: 0,
    disableMetrics: true,
    storageProvider: new InMemStorageProvider(),
    bootstrap: {
      data: [
        {
          name: 'dten.backoff.v2',
          enabled,
          type: 'release',
          project: 'default',
          stale: false,
          impressionData: false,
          strategies: [
            {
              name: 'flexibleRollout',
              constraints: [],
              parameters: { rollout: '100', stickiness: 'default', groupId: 'dten.backoff.v2' },
              variants: payload ? [{ name: 'backoff-constants', weight: 1000, stickiness: 'default', payload }] : [],
            },
          ],
          variants: [],
        } as never,
      ],
    },
  });
  client.on('error', () => undefined);
  clients.push(client);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  return client;
}

const json = (v: unknown) => ({ type: 'json', value: JSON.stringify(v) });

describe('readBackoffSettings', () => {
  it('reads valid constants from the strategy variant payload', async () => {
    const c = { baseMs: 80, maxMs: 4000, multiplier: 2, jitter: 0.5, maxAttempts: 4 };
    expect(readBackoffSettings(await offlineClient(true, json(c)))).toEqual({ enabled: true, constants: c, source: 'flag' });
  });

  it('reads the constants past payload fields other teams own (issue 14)', async () => {
    const c = { baseMs: 80, maxMs: 4000, multiplier: 2, jitter: 0.5, maxAttempts: 4 };
    expect(readBackoffSettings(await offlineClient(true, json({ owner: 'team-payments', ...c })))).toEqual({ enabled: true, constants: c, source: 'flag' });
    expect(readBackoffSettings(await offlineClient(true, json({ ...c, maxAttempts: true }))).problem).toMatch(/"maxAttempts" must be a finite number \(got true\)/);
  });

  it('flag off → old strategy, default constants, no problem reported', async () => {
    expect(readBackoffSettings(await offlineClient(false, json({ baseMs: 80 })))).toEqual({ enabled: false, constants: DEFAULT_BACKOFF_CONSTANTS, source: 'default' });
  });

  it.each([
    ['invalid JSON', { type: 'json', value: '{baseMs: 80' }, /not valid JSON/],
    ['missing field', json({ baseMs: 80, maxMs: 4000, multiplier: 2, jitter: 0.5 }), /field "maxAttempts" must be a finite number/],
    ['out of bounds', json({ baseMs: 80, maxMs: 4000, multiplier: 9, jitter: 0.5, maxAttempts: 4 }), /multiplier=9 is above the maximum 4/],
    ['string payload', { type: 'string', value: 'fast' }, /payload type is "string"/],
  ])('%s → enabled, default constants, the problem named', async (_label, payload, problem) => {
    const s = readBackoffSettings(await offlineClient(true, payload));
    expect(s).toMatchObject({ enabled: true, constants: DEFAULT_BACKOFF_CONSTANTS, source: 'default' });
    expect(s.problem).toMatch(problem);
  });

  it('no variant → defaults with the reason', async () => {
    expect(readBackoffSettings(await offlineClient(true, null)).problem).toMatch(/carries no "backoff-constants" payload/);
  });

  it('backoffDelayMs: exponential, capped, jitter takes away up to `jitter` of the delay', () => {
    const c = { baseMs: 100, maxMs: 500, multiplier: 2, jitter: 0.5, maxAttempts: 5 };
    expect([1, 2, 3, 4].map((r) => backoffDelayMs(c, r, 0))).toEqual([100, 200, 400, 500]);
    expect(backoffDelayMs(c, 2, 1)).toBe(100);
  });
});
