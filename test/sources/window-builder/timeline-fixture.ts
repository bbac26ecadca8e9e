/**
 * A fixed, seeded input for the per-interval timeline sketch: raw requests (lognormal, heavier after the
 * upgrade), edge values (≤ the first bucket edge, NaN, beyond the last edge) and pre-aggregated histogram
 * buckets. timeline-sketch.test.ts compares the sketch's p50/p99 on it with literals recorded from the
 * original implementation, so a new sketch must reproduce them (or change the literals on purpose).
 */
import { seededRandom } from '../../../src/stats/seeded-random.ts';
import { WindowBuilder } from '../../../src/sources/window-builder/window-builder.ts';

export const FIXTURE_UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const HALF_HOUR = 30 * 60_000;
const HISTOGRAM_LES = [10, 50, 100, 250, 500, 1000, Infinity];

export function timelineFixtureBuilder(): WindowBuilder {
  return new WindowBuilder({
    upgradeAt: FIXTURE_UPGRADE,
    before: { start: FIXTURE_UPGRADE - HALF_HOUR, stop: FIXTURE_UPGRADE },
    after: { start: FIXTURE_UPGRADE, stop: FIXTURE_UPGRADE + HALF_HOUR },
    timelineIntervalMs: 60_000,
  });
}

export function feedTimelineFixture(b: WindowBuilder): void {
  const r = seededRandom(20261120);
  const start = FIXTURE_UPGRADE - HALF_HOUR;
  for (let k = 0; k < 12_000; k++) {
    const t = start + Math.floor(r.uniform() * 2 * HALF_HOUR);
    b.addRequest('shop', '/checkout', t, r.lognormal(Math.log(t >= FIXTURE_UPGRADE ? 140 : 120), 0.7));
  }
  // Values at or below the first edge, NaN, and beyond the last finite edge share the end buckets.
  const edge = [0.001, 0, -5, Number.NaN, 0.5, 3, 5e9, 7e9, 1e12];
  for (let k = 0; k < 90; k++) b.addRequest('shop', '/edge', start + k * 40_000, edge[k % edge.length]);
  for (let i = 0; i < 60; i++) {
    const t = start + i * 60_000;
    let cumulative = 0;
    for (const le of HISTOGRAM_LES) {
      cumulative += r.poisson(le === Infinity ? 3 : 20 + le / 20);
      b.addHistogramBucket('shop', '/histogram', t, le, cumulative);
    }
  }
}
