/** The staging between InfluxDB rows and the WindowBuilder: grid ranges, cumulative conversion, clamping, reset. */
import { describe, expect, it } from 'vitest';
import { bucketGrid, bucketRangeFor, InfluxStage } from '../../../src/sources/influx/influx-fetch.ts';
import { WindowBuilder } from '../../../src/sources/window-builder/window-builder.ts';

const upgradeAt = 3_600_000;
const before = { start: 0, stop: upgradeAt };
const after = { start: upgradeAt, stop: 2 * upgradeAt };
const builder = (): WindowBuilder => new WindowBuilder({ upgradeAt, before, after, timelineIntervalMs: 60_000 });

describe('InfluxStage', () => {
  it('aggregated buckets: all intervals share the bounds of the range, plus an empty bucket below it', () => {
    const grid = bucketGrid({ min: 1, max: 1000, perDecade: 1 }); // [1, 10, 100, 1000, Infinity]
    const range = bucketRangeFor(grid, 20, 500); // buckets (10, 100] and (100, 1000]
    expect([range.first, range.last]).toEqual([2, 3]);
    const b = builder();
    for (const w of [before, after]) {
      const s = new InfluxStage(w, range);
      // GROUP BY time may report an interval starting before the window: clamped into it
      s.requestBucket('svc', '/a', w.start - 30_000, 2, 5);
      s.requestBucket('svc', '/a', w.start + 60_000, 3, 2);
      expect(s.points).toBe(7);
      s.commit(b);
    }
    const w = b.build();
    expect(w.latency[0].before).toEqual({
      kind: 'histogram',
      upperBounds: Float64Array.from([10, 100, 1000]),
      counts: Float64Array.from([0, 5, 2]),
      // per one-minute block of the window: 5 in bucket (10, 100] in the first minute, 2 in (100, 1000] in the second
      blockCells: { block: Uint32Array.from([0, 1]), bucket: Uint32Array.from([1, 2]), count: Float64Array.from([5, 2]) },
    });
    expect(w.latency[0].after).toEqual(w.latency[0].before);
    expect(w.warnings).toEqual([]);
  });

  it('pre-aggregated le buckets count the largest cumulative value, with or without +Inf', () => {
    const s = new InfluxStage(before);
    s.leBucket('svc', '/a', 0, 100, 4);
    s.leBucket('svc', '/a', 0, 500, 9);
    s.leBucket('svc', '/b', 60_000, 100, 3);
    s.leBucket('svc', '/b', 60_000, Infinity, 5);
    expect(s.points).toBe(14);
    s.reset();
    expect(s.points).toBe(0);
    s.commit(builder());
  });

  it('upstream counters and backoff buckets land on the same interval', () => {
    const range = bucketRangeFor(bucketGrid({ min: 1, max: 1000, perDecade: 1 }), 50, 50);
    const b = builder();
    for (const w of [before, after]) {
      const s = new InfluxStage(w, range);
      s.counter('svc', 'api', w.start, { calls: 10, retries: 3 });
      s.counter('svc', 'api', w.start, { exhausted: 1 });
      s.backoffBucket('svc', 'api', w.start, 2, 2);
      s.commit(b);
    }
    const u = b.build().upstreams[0];
    const first = (v: number) => Float64Array.from({ length: 60 }, (_, i) => (i === 0 ? v : 0));
    expect(u.before).toEqual({
      calls: 10,
      retries: 3,
      exhausted: 1,
      backoff: { kind: 'histogram', upperBounds: Float64Array.from([10, 100]), counts: Float64Array.from([0, 2]) },
      perBlock: { calls: first(10), retries: first(3), exhausted: first(1) },
    });
  });
});
