/**
 * The demo's deployment marker (shop 2.4.0 at the upgrade) and its flat `fallback_total` counters.
 */
import { describe, expect, it } from 'vitest';
import { poissonRateTest } from '../../../src/stats/index.ts';
import { DemoSource } from '../../../src/sources/demo/demo-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';

const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const QUERY: MetricQuery = { upgradeAt: UPGRADE, before: { start: UPGRADE - 2 * H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + 2 * H } };
const demo = () => new DemoSource({ seed: 42, timelineIntervalMs: 60_000 });

describe('demo deployment marker and event counters', () => {
  it('records the upgrade as a deployment of shop 2.4.0, honouring the service filter', async () => {
    expect((await demo().fetch(QUERY)).markers).toEqual([{ service: 'shop', version: '2.4.0', at: UPGRADE }]);
    expect((await demo().fetch({ ...QUERY, services: ['accounts'] })).markers).toBeUndefined();
  });

  it('counts fallbacks per service only when asked, flat across the upgrade, the same for the same seed', async () => {
    expect((await demo().fetch(QUERY)).eventCounts).toBeUndefined();
    const w = await demo().fetch({ ...QUERY, eventCounts: [{ measurement: 'fallback_total' }, { measurement: 'no_such_counter' }] });
    expect(w.eventCounts!.map((c) => `${c.counter} ${c.service}`)).toEqual(['fallback_total shop', 'fallback_total accounts']);
    for (const c of w.eventCounts!) {
      expect(c.before).toBeGreaterThan(10);
      // Same rate before and after: no significant change at any usual level.
      expect(poissonRateTest(c.before, 1, c.after, 1).pValue).toBeGreaterThan(0.01);
    }
    expect((await demo().fetch({ ...QUERY, eventCounts: [{ measurement: 'fallback_total' }] })).eventCounts).toEqual(w.eventCounts);
  });
});
