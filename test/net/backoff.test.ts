/** The small pieces of src/net: jittered capped backoff, Retry-After parsing, and the abortable sleep. */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/net/backoff.ts';
import { parseRetryAfter } from '../../src/net/retry-after.ts';
import { sleep } from '../../src/net/sleep.ts';

describe('backoffDelay', () => {
  const o = { minDelayMs: 100, maxDelayMs: 1000 };

  it('is bounded by the capped exponential and jittered within it', () => {
    for (const jitter of ['equal', 'full'] as const) {
      for (let retry = 0; retry < 8; retry++) {
        const cap = Math.min(1000, 100 * 2 ** retry);
        const floor = jitter === 'equal' ? cap / 2 : 0;
        const seen = Array.from({ length: 200 }, () => backoffDelay(retry, { ...o, jitter }, Math.random));
        for (const d of seen) {
          expect(d).toBeGreaterThanOrEqual(floor);
          expect(d).toBeLessThanOrEqual(cap);
        }
        expect(new Set(seen).size).toBeGreaterThan(150); // jittered, not one fixed value
      }
    }
  });

  it('equal jitter is the default; the cap holds for any retry count', () => {
    expect(backoffDelay(0, o, () => 0)).toBe(50);
    expect(backoffDelay(3, o, () => 0)).toBe(400);
    expect(backoffDelay(60, o, () => 0.5)).toBe(750);
    expect(backoffDelay(60, { ...o, jitter: 'full' }, () => 0.5)).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-20T14:00:00Z');
  it('reads delta-seconds and HTTP-dates; a past date is 0; anything else is null', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Fri, 20 Nov 2026 14:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 13:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('sleep', () => {
  it('waits at least the time asked', async () => {
    const t = Date.now();
    await sleep(50);
    expect(Date.now() - t).toBeGreaterThanOrEqual(45);
  });

  it('rejects with the abort reason at once, also when already aborted', async () => {
    const ctl = new AbortController();
    const t = Date.now();
    const p = sleep(60_000, ctl.signal);
    setTimeout(() => ctl.abort(new Error('stop')), 20);
    await expect(p).rejects.toThrow('stop');
    expect(Date.now() - t).toBeLessThan(10_000);
    await expect(sleep(10, AbortSignal.abort(new Error('before')))).rejects.toThrow('before');
  });
});
