/**
 * An upstream incident's minutes are left out of the retry and exhaustion rates, and out of the backoff comparison
 * when the waits carry their time blocks (raw calls). Per-interval counters give one backoff histogram per window,
 * which cannot drop minutes: the report must then say that the backoff comparison keeps them.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import { WindowBuilder } from '../../src/sources/window-builder/window-builder.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { defaultSettings } from './settings.ts';

const UP = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const MIN = 60_000;
/** A retry storm in the after window, minutes 37–39: most calls retried. */
const stormy = (t: number) => t >= UP + 37 * MIN && t < UP + 40 * MIN;

function builder(): WindowBuilder {
  return new WindowBuilder({ upgradeAt: UP, before: { start: UP - 2 * H, stop: UP }, after: { start: UP, stop: UP + 2 * H }, timelineIntervalMs: MIN });
}

describe('an upstream incident and the backoff comparison', () => {
  it('says the backoff histogram of per-interval counters keeps the incident minutes the rates leave out', () => {
    const rnd = seededRandom(3);
    const b = builder();
    for (let t = UP - 2 * H; t < UP + 2 * H; t += MIN) {
      const calls = 200;
      const retried = stormy(t) ? 150 : Math.round(10 + 3 * rnd.normal());
      const slow = Math.round(retried * 0.3);
      b.addUpstreamCounters('shop', 'payments-api', t + 1, { calls, retries: retried, exhausted: stormy(t) ? 20 : 0 }, { upperBounds: [50, 200, 1000], counts: [retried - slow, slow, 0] });
    }
    const { report } = analyze(b.build(), defaultSettings());
    expect(report.incidents?.some((i) => i.window === 'after' && i.subject === 'payments-api')).toBe(true);
    expect(report.warnings.filter((w) => /shop payments-api: the after window's backoff waits carry no time blocks \(a histogram per window, from counters\)/.test(w))).toHaveLength(1);
    expect(report.warnings.some((w) => /before window's backoff waits carry no time blocks/.test(w))).toBe(false);
  });

  it('says nothing of the kind for raw calls, whose waits leave the incident minutes out with the rest', () => {
    const rnd = seededRandom(4);
    const b = builder();
    for (let t = UP - 2 * H; t < UP + 2 * H; t += 300) {
      const retried = stormy(t) ? rnd.uniform() < 0.75 : rnd.uniform() < 0.05;
      b.addUpstreamCall('shop', 'payments-api', t, retried ? 2 : 1, retried ? 20 + 100 * rnd.uniform() : 0, true);
    }
    const { report } = analyze(b.build(), defaultSettings());
    expect(report.incidents?.some((i) => i.window === 'after' && i.subject === 'payments-api')).toBe(true);
    expect(report.warnings.some((w) => /backoff waits carry no time blocks/.test(w))).toBe(false);
  });
});
