import { describe, expect, it } from 'vitest';
import { FIXTURE_UPGRADE, feedTimelineFixture, timelineFixtureBuilder } from './timeline-fixture.ts';
import {
  LogBucketTimelineColumnsWriter,
  LogBucketTimelineSketch,
  SPARSE_MAX_BUCKETS,
  TIMELINE_BOUNDS,
  TIMELINE_BUCKET_RATIO,
  TIMELINE_BUCKETS,
  TIMELINE_MIN_MS,
  timelineBucket,
} from '../../../src/sources/window-builder/log-bucket-timeline-sketch.ts';
import { bucketIndex } from '../../../src/stats/bucket-index.ts';
import { logBucketBounds } from '../../../src/stats/log-bucket-bounds.ts';
import { seededRandom } from '../../../src/stats/seeded-random.ts';

/** The same values to the last bit; NaN where NaN. */
function expectSameValues(actual: ArrayLike<number>, expected: number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i], `${what}[${i}]`).toBe(expected[i]);
}

describe('timeline sketch: p50/p99 as recorded before the window-builder split', () => {
  it('gives the recorded per-interval counts, p50 and p99 on the fixed input, bit for bit', () => {
    const b = timelineFixtureBuilder();
    feedTimelineFixture(b);
    const w = b.build();
    expect(w.latency.map((l) => l.endpoint)).toEqual(Object.keys(RECORDED_TIMELINES).sort());
    for (const l of w.latency) {
      const tl = l.timeline!;
      const rec = RECORDED_TIMELINES[l.endpoint];
      expect(tl.intervalMs).toBe(60_000);
      expect(tl.t[0]).toBe(FIXTURE_UPGRADE - 30 * 60_000);
      expect(Array.from(tl.count), l.endpoint).toEqual(rec.count);
      expectSameValues(tl.p50, rec.p50, `${l.endpoint} p50`);
      expectSameValues(tl.p99, rec.p99, `${l.endpoint} p99`);
    }
  });
});

describe('log-bucket timeline sketch: the layout of stats/logBucketBounds', () => {
  it('has 1 200 buckets with upper edges 0.01·1.02^i and an open last bucket', () => {
    expect(TIMELINE_BOUNDS.length).toBe(TIMELINE_BUCKETS);
    expect(TIMELINE_BOUNDS).toEqual(logBucketBounds({ min: TIMELINE_MIN_MS, max: TIMELINE_BOUNDS[TIMELINE_BUCKETS - 2], ratio: TIMELINE_BUCKET_RATIO }));
    for (let i = 0; i < TIMELINE_BUCKETS - 1; i++) expect(Math.abs(TIMELINE_BOUNDS[i] / (TIMELINE_MIN_MS * TIMELINE_BUCKET_RATIO ** i) - 1)).toBeLessThan(1e-12);
    expect(TIMELINE_BOUNDS[TIMELINE_BUCKETS - 1]).toBe(Infinity);
    expect(TIMELINE_BOUNDS[TIMELINE_BUCKETS - 2]).toBeCloseTo(2.009e8, -6); // ≈ 55.8 h
  });

  it('puts every value where bucketIndex (binary search) puts it; at or below 0.01 ms, NaN and negatives in bucket 0', () => {
    const expected = (v: number): number => (v > TIMELINE_MIN_MS ? bucketIndex(TIMELINE_BOUNDS, v) : 0);
    const r = seededRandom(7);
    const values = [0, -1, Number.NaN, TIMELINE_MIN_MS, 0.010000001, Infinity, 1e300, Number.MIN_VALUE];
    for (let k = 0; k < 20_000; k++) values.push(Math.exp(r.uniform() * 30 - 6)); // 0.0025 ms … 2.6e10 ms
    for (const edge of TIMELINE_BOUNDS) values.push(edge, edge * (1 + 1e-15), edge * (1 - 1e-15));
    for (const v of values) expect(timelineBucket(v), `value ${v}`).toBe(expected(v));
    // `le` semantics, like histogram buckets: a value on an edge belongs to the bucket below it.
    expect(timelineBucket(TIMELINE_BOUNDS[10])).toBe(10);
    expect(timelineBucket(Infinity)).toBe(TIMELINE_BUCKETS - 1);
  });

  it('reports a bucket at its geometric middle (the open last bucket half a bucket above its edge); NaN for an empty interval', () => {
    const s = new LogBucketTimelineSketch(3);
    s.add(0, 150, 1);
    s.add(1, 1e12, 5);
    const i = timelineBucket(150);
    expect(s.quantile(0, 0.5) / Math.sqrt(TIMELINE_BOUNDS[i - 1] * TIMELINE_BOUNDS[i]) - 1).toBeCloseTo(0, 14);
    expect(s.quantile(1, 0.99) / (TIMELINE_BOUNDS[TIMELINE_BUCKETS - 2] * Math.sqrt(TIMELINE_BUCKET_RATIO)) - 1).toBeCloseTo(0, 12);
    expect(s.quantile(2, 0.5)).toBeNaN();
    expect(Array.from(s.counts)).toEqual([1, 5, 0]);
  });
});

/** Recorded from the original window-builder.ts (commit d285b21) on feedTimelineFixture: per-interval count, p50, p99. */
export const RECORDED_TIMELINES: Record<string, { count: number[]; p50: number[]; p99: number[] }> = {
  '/checkout': {
    count: [
      170, 189, 225, 203, 192, 192, 201, 214, 194, 200, 210, 218, 187, 188, 200, 191, 189, 211, 205, 212,
      186, 195, 198, 216, 177, 195, 187, 189, 223, 203, 192, 182, 190, 192, 215, 218, 203, 179, 213, 203,
      218, 212, 204, 195, 208, 211, 208, 194, 187, 220, 199, 224, 195, 196, 190, 214, 194, 176, 207, 201,
    ],
    p50: [
      113.49611237822987, 122.85184207317012, 115.76603462579448, 125.30887891463352, 130.37135762278473, 113.49611237822987,
      111.27069841002927, 118.08135531831036, 115.76603462579448, 115.76603462579448, 120.44298242467657, 120.44298242467657,
      118.08135531831036, 111.27069841002927, 125.30887891463352, 120.44298242467657, 115.76603462579448, 120.44298242467657,
      122.85184207317012, 127.8150564929262, 127.8150564929262, 120.44298242467657, 109.08892000983262, 122.85184207317012,
      122.85184207317012, 130.37135762278473, 118.08135531831036, 118.08135531831036, 125.30887891463352, 125.30887891463352,
      120.44298242467657, 149.7557099732716, 146.81932350320744, 146.81932350320744, 138.35112768016018, 149.7557099732716,
      141.11815023376337, 149.7557099732716, 146.81932350320744, 127.8150564929262, 152.75082417273674, 138.35112768016018,
      132.97878477524043, 168.64925264209722, 138.35112768016018, 138.35112768016018, 141.11815023376337, 146.81932350320744,
      149.7557099732716, 132.97878477524043, 138.35112768016018, 132.97878477524043, 155.8058406561915, 152.75082417273674,
      141.11815023376337, 135.63836047074525, 132.97878477524043, 141.11815023376337, 141.11815023376337, 138.35112768016018,
    ],
    p99: [
      635.6176217875706, 661.2965737077884, 575.6984633238213, 427.75243828135416, 623.1545311642849, 648.329974223322,
      463.01299571415296, 598.9566812421037, 855.4576324447734, 623.1545311642849, 501.1801570589414, 744.7273492977574,
      744.7273492977574, 553.3433903535383, 575.6984633238213, 635.6176217875706, 635.6176217875706, 598.9566812421037,
      587.2124325902978, 521.4278354041227, 419.3651355699558, 598.9566812421037, 715.8086786791208, 553.3433903535383,
      701.7732143912949, 982.6519216704971, 623.1545311642849, 661.2965737077884, 730.1248522527032, 674.5225051819443,
      610.9358148669459, 610.9358148669459, 648.329974223322, 575.6984633238213, 564.4102581606091, 701.7732143912949,
      715.8086786791208, 822.2391699776751, 822.2391699776751, 872.5667850936688, 521.4278354041227, 542.4935199544493,
      701.7732143912949, 774.8143342093869, 661.2965737077884, 661.2965737077884, 648.329974223322, 635.6176217875706,
      1128.7581787109234, 648.329974223322, 553.3433903535383, 855.4576324447734, 688.0129552855832, 623.1545311642849,
      661.2965737077884, 822.2391699776751, 648.329974223322, 635.6176217875706, 553.3433903535383, 701.7732143912949,
    ],
  },
  '/edge': {
    count: [
      2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1,
      2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1,
      2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1,
    ],
    p50: [
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.01, 3.027955953168812, 202911124.03107488, 202911124.03107488,
    ],
    p99: [
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
      0.01, 0.01, 0.49949819476077906, 3.027955953168812, 202911124.03107488, 202911124.03107488,
    ],
  },
  '/histogram': {
    count: [
      220, 211, 197, 217, 215, 199, 235, 210, 206, 223, 225, 228, 208, 198, 231, 199, 222, 229, 239, 209,
      231, 216, 199, 225, 205, 225, 212, 220, 212, 219, 230, 230, 198, 231, 235, 217, 191, 229, 196, 208,
      223, 229, 216, 212, 222, 212, 179, 204, 193, 224, 196, 212, 214, 217, 214, 225, 232, 238, 222, 205,
    ],
    p50: [
      372.3842390727533, 372.3842390727533, 175.46268244883797, 372.3842390727533, 372.3842390727533, 372.3842390727533,
      372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533,
      372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533,
      372.3842390727533, 372.3842390727533, 372.3842390727533, 175.46268244883797, 372.3842390727533, 175.46268244883797,
      175.46268244883797, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533,
      372.3842390727533, 175.46268244883797, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533,
      175.46268244883797, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533,
      372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533, 372.3842390727533,
      175.46268244883797, 372.3842390727533, 175.46268244883797, 372.3842390727533, 372.3842390727533, 175.46268244883797,
      372.3842390727533, 372.3842390727533, 372.3842390727533, 175.46268244883797, 372.3842390727533, 372.3842390727533,
    ],
    p99: [
      1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072,
      744.7273492977574, 1002.3049601039072, 1002.3049601039072, 744.7273492977574, 744.7273492977574, 1002.3049601039072,
      744.7273492977574, 1002.3049601039072, 744.7273492977574, 1002.3049601039072, 744.7273492977574, 744.7273492977574,
      1002.3049601039072, 744.7273492977574, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072,
      744.7273492977574, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 744.7273492977574, 744.7273492977574,
      1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 744.7273492977574, 1002.3049601039072, 1002.3049601039072,
      1002.3049601039072, 744.7273492977574, 1002.3049601039072, 1002.3049601039072, 744.7273492977574, 1002.3049601039072,
      744.7273492977574, 1002.3049601039072, 744.7273492977574, 744.7273492977574, 1002.3049601039072, 1002.3049601039072,
      1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 744.7273492977574, 744.7273492977574,
      1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 1002.3049601039072, 744.7273492977574,
    ],
  },
};

/** The dense layout the sketch used before issue 12: one Uint32Array of every bucket per interval. */
function denseQuantile(buckets: Uint32Array, total: number, p: number): number {
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= rank) return i === 0 ? TIMELINE_MIN_MS : Math.exp(Math.log(TIMELINE_MIN_MS) + (i - 0.5) * Math.log(TIMELINE_BUCKET_RATIO));
  }
  return NaN;
}

describe('timeline sketch: sparse intervals (issue 12) give the dense quantiles', () => {
  it('matches the dense layout bit for bit below, at and past the switch to dense, also after thread merges', () => {
    const r = seededRandom(5);
    const intervals = 6;
    // Per interval a different number of distinct buckets: 1, ~4, ~8, ~16 (the switch to dense), ~57, ~490.
    const spreads = [0, 0.008, 0.02, 0.04, 0.2, 3];
    const dense = Array.from({ length: intervals }, () => new Uint32Array(TIMELINE_BUCKETS));
    const totals = new Float64Array(intervals);
    const whole = new LogBucketTimelineSketch(intervals);
    const parts = [new LogBucketTimelineSketch(intervals), new LogBucketTimelineSketch(intervals), new LogBucketTimelineSketch(intervals)];
    for (let k = 0; k < 6000; k++) {
      const i = k % intervals;
      const v = Math.exp(Math.log(50) + spreads[i] * r.normal());
      const count = k % 7 === 0 ? 2.5 : 1; // fractional counts (histogram input) truncate as in a Uint32Array
      dense[i][timelineBucket(v)] += count;
      totals[i] += count;
      whole.add(i, v, count);
      parts[k % 3].add(i, v, count);
    }
    const merged = new LogBucketTimelineSketch(intervals);
    // Through the columns another thread's builder sends (all three parts as subjects 0, 1, 2 of one export).
    const writer = new LogBucketTimelineColumnsWriter();
    for (const p of parts) p.exportTo(writer);
    const transfer: ArrayBuffer[] = [];
    const columns = writer.finish(transfer);
    const received = structuredClone(columns, { transfer });
    for (let k = 0; k < parts.length; k++) merged.mergeColumns(received, k);
    for (let i = 0; i < intervals; i++) {
      for (const p of [0.001, 0.5, 0.9, 0.99, 1]) {
        const want = denseQuantile(dense[i], totals[i], p);
        expect(whole.quantile(i, p), `interval ${i} p${p}`).toBe(want);
        expect(merged.quantile(i, p), `merged interval ${i} p${p}`).toBe(want);
      }
    }
    expect(Array.from(merged.counts)).toEqual(Array.from(totals));
    expect(SPARSE_MAX_BUCKETS).toBe(16);
  });
});
