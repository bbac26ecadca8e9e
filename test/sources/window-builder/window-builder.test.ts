import { describe, expect, it } from 'vitest';
import { isDeepStrictEqual } from 'node:util';
import { WindowBuilder, TIMELINE_BUCKET_RATIO, type SubjectHandle } from '../../../src/sources/window-builder/window-builder.ts';

const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;

/** A per-block array of `length` with the given non-zero entries. */
function dense(length: number, entries: Record<number, number>): Float64Array {
  const out = new Float64Array(length);
  for (const [i, v] of Object.entries(entries)) out[Number(i)] = v;
  return out;
}

function builder(extra: Partial<ConstructorParameters<typeof WindowBuilder>[0]> = {}): WindowBuilder {
  return new WindowBuilder({
    upgradeAt: UPGRADE,
    before: { start: UPGRADE - 2 * H, stop: UPGRADE },
    after: { start: UPGRADE, stop: UPGRADE + 2 * H },
    timelineIntervalMs: 60_000,
    ...extra,
  });
}

/** Points number `from` … `to` − 1 of a mix of raw requests, raw calls, histogram buckets and counters. */
function feedMixed(b: WindowBuilder, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const t = UPGRADE - 2 * H + i * 997;
    b.addRequest('shop', i % 3 === 0 ? '/a' : '/b', t, (i * 37) % 500);
    b.addUpstreamCall('shop', 'p', t, 1 + (i % 4), (i % 4) * 50, i % 11 !== 0);
    if (i % 50 === 0) {
      b.addHistogramBucket('shop', '/h', t - (t % 60_000), 100, 3);
      b.addHistogramBucket('shop', '/h', t - (t % 60_000), Infinity, 5);
      b.addUpstreamCounters('shop', 'c', t, { calls: 10, retries: 2, exhausted: 1 }, { upperBounds: [100], counts: [2] });
    }
  }
}

describe('WindowBuilder window assignment', () => {
  it('uses half-open [start, stop) windows and counts points outside both', () => {
    const b = builder();
    expect(b.addRequest('shop', '/a', UPGRADE - 2 * H - 1, 1)).toBe(false); // just before before.start
    expect(b.addRequest('shop', '/a', UPGRADE - 2 * H, 2)).toBe(true); // before.start is inside
    expect(b.addRequest('shop', '/a', UPGRADE - 1, 3)).toBe(true); // last ms of before
    expect(b.addRequest('shop', '/a', UPGRADE, 4)).toBe(true); // upgrade instant belongs to after
    expect(b.addRequest('shop', '/a', UPGRADE + 2 * H - 1, 5)).toBe(true);
    expect(b.addRequest('shop', '/a', UPGRADE + 2 * H, 6)).toBe(false); // after.stop is outside
    expect(b.counts).toEqual({ kept: 4, outsideWindows: 2, filtered: 0, unnamed: 0 });
    const w = b.build();
    expect(w.latency).toHaveLength(1);
    const s = w.latency[0];
    // Each value carries its one-minute time block of its own window (first and last minute here).
    expect(s.before).toEqual({ kind: 'raw', values: Float64Array.from([2, 3]), blocks: Uint32Array.from([0, 119]) });
    expect(s.after).toEqual({ kind: 'raw', values: Float64Array.from([4, 5]), blocks: Uint32Array.from([0, 119]) });
    expect(w.blockMs).toBe(60_000);
    expect(w.warnings).toEqual([]);
  });

  it('leaves out and counts points with an empty service, endpoint or upstream name, in every form, and says so', () => {
    // What a database returns for points without the tag (InfluxDB GROUP BY: ""), where the file source refuses the line.
    const b = builder();
    const handle = {};
    expect(b.addRequest('shop', '', UPGRADE, 1)).toBe(false);
    expect(b.addRequest('', '/a', UPGRADE, 1, undefined, handle)).toBe(false);
    expect(b.addRequest('', '/a', UPGRADE + 1, 1, undefined, handle)).toBe(false);
    expect(b.addUpstreamCall('shop', '', UPGRADE, 2, 10, true)).toBe(false);
    expect(b.addPlainUpstreamCalls('', 'payments-api', UPGRADE, 5)).toBe(false);
    expect(b.addHistogramBucket('shop', '', UPGRADE, 100, 3)).toBe(false);
    expect(b.addUpstreamCounters('shop', '', UPGRADE, { calls: 4, retries: 0, exhausted: 0 })).toBe(false);
    // Named points beside them are kept; a filtered one still counts as filtered, one outside the windows as outside.
    expect(b.addRequest('shop', '/a', UPGRADE, 7)).toBe(true);
    expect(b.addRequest('shop', '/a', UPGRADE - 1, 6)).toBe(true);
    expect(b.addRequest('shop', '', UPGRADE - 3 * H, 1)).toBe(false);
    expect(b.counts).toEqual({ kept: 2, outsideWindows: 1, filtered: 0, unnamed: 11 });
    const w = b.build();
    expect(w.latency.map((l) => `${l.service} ${l.endpoint}`)).toEqual(['shop /a']);
    expect(w.upstreams).toEqual([]);
    expect(w.warnings).toEqual(['11 points in the windows have an empty service, endpoint or upstream name (a tag missing from the points): left out']);
  });

  it('counts unnamed points across a thread merge', () => {
    const main = builder();
    const other = builder();
    expect(other.addRequest('shop', '', UPGRADE, 1)).toBe(false);
    expect(other.addRequest('shop', '/a', UPGRADE, 1)).toBe(true);
    expect(main.addRequest('shop', '/a', UPGRADE - 1, 1)).toBe(true);
    main.mergeState(other.exportState());
    expect(main.counts.unnamed).toBe(1);
    expect(main.build().warnings).toEqual(['1 point in the windows has an empty service, endpoint or upstream name (a tag missing from the points): left out']);
  });

  it('applies service and endpoint filters (endpoints do not filter upstreams)', () => {
    const b = builder({ services: ['shop'], endpoints: ['/checkout'] });
    expect(b.addRequest('shop', '/checkout', UPGRADE, 1)).toBe(true);
    expect(b.addRequest('shop', '/cart', UPGRADE, 1)).toBe(false);
    expect(b.addRequest('billing', '/checkout', UPGRADE, 1)).toBe(false);
    expect(b.addUpstreamCall('shop', 'payments-api', UPGRADE, 1, 0, true)).toBe(true);
    expect(b.addUpstreamCall('billing', 'payments-api', UPGRADE, 1, 0, true)).toBe(false);
    expect(b.counts).toEqual({ kept: 2, outsideWindows: 0, filtered: 3, unnamed: 0 });
    const w = b.build();
    expect(w.latency.map((l) => `${l.service} ${l.endpoint}`)).toEqual(['shop /checkout']);
    expect(w.upstreams.map((u) => `${u.service} ${u.upstream}`)).toEqual(['shop payments-api']);
  });

  it('gives the same windows with subject handles: a subject is created at its first point in a window, filtered ones stay filtered', () => {
    const feed = (b: WindowBuilder, handles: boolean): void => {
      const h = (): SubjectHandle | undefined => (handles ? {} : undefined);
      // One handle per series, as the line-protocol mapper keeps them; each series' first point is outside the windows.
      const series: Array<[string, string, SubjectHandle | undefined]> = [
        ['shop', '/checkout', h()],
        ['shop', '/cart', h()],
        ['billing', '/checkout', h()],
      ];
      const calls: Array<[string, string, SubjectHandle | undefined]> = [
        ['shop', 'payments-api', h()],
        ['billing', 'payments-api', h()],
      ];
      for (let i = 0; i < 40; i++) {
        const t = i === 0 ? UPGRADE - 3 * H : UPGRADE - 2 * H + i * 331_000;
        for (const [service, endpoint, handle] of [...series].reverse()) b.addRequest(service, endpoint, t, i * 7, undefined, handle);
        for (const [service, upstream, handle] of calls) b.addUpstreamCall(service, upstream, t, 1 + (i % 3), (i % 3) * 40, i % 5 !== 0, undefined, handle);
      }
    };
    const plain = builder({ services: ['shop'], endpoints: ['/checkout'] });
    const handled = builder({ services: ['shop'], endpoints: ['/checkout'] });
    feed(plain, false);
    feed(handled, true);
    expect(handled.counts).toEqual(plain.counts);
    expect(handled.counts.filtered).toBeGreaterThan(0);
    expect(isDeepStrictEqual(handled.build(), plain.build())).toBe(true);
  });

  it('sums upstream calls, retries, exhausted and keeps backoff of retried calls only', () => {
    const b = builder();
    b.addUpstreamCall('shop', 'payments-api', UPGRADE - 10, 1, 0, true);
    b.addUpstreamCall('shop', 'payments-api', UPGRADE - 10, 3, 150, true);
    b.addUpstreamCall('shop', 'payments-api', UPGRADE - 10, 4, 350, false);
    b.addUpstreamCall('shop', 'payments-api', UPGRADE + 10, 2, 400, true);
    const u = b.build().upstreams[0];
    expect(u.before.calls).toBe(3);
    expect(u.before.retries).toBe(5);
    expect(u.before.exhausted).toBe(1);
    expect(u.before.backoff).toEqual({ kind: 'raw', values: Float64Array.from([150, 350]), blocks: Uint32Array.from([119, 119]) });
    expect(u.after).toMatchObject({ calls: 1, retries: 1, exhausted: 0 });
    expect(u.before.perBlock).toEqual({ calls: dense(120, { 119: 3 }), retries: dense(120, { 119: 5 }), exhausted: dense(120, { 119: 1 }) });
    expect(u.after.perBlock).toEqual({ calls: dense(120, { 0: 1 }), retries: dense(120, { 0: 1 }), exhausted: dense(120, {}) });
    const tl = u.timeline!;
    const iBefore = Math.floor((UPGRADE - 10 - (UPGRADE - 2 * H)) / 60_000);
    expect(tl.calls[iBefore]).toBe(3);
    expect(tl.retries[iBefore]).toBe(5);
    expect(tl.exhausted[iBefore]).toBe(1);
    expect(tl.calls[iBefore + 1]).toBe(1);
  });

  it('grows raw storage past the initial capacity without losing values', () => {
    const b = builder();
    for (let i = 0; i < 5000; i++) b.addRequest('shop', '/a', UPGRADE + i, i);
    const v = b.build().latency[0].after;
    expect(v.kind).toBe('raw');
    if (v.kind !== 'raw') return;
    expect(v.values.length).toBe(5000);
    expect(v.values[0]).toBe(0);
    expect(v.values[4999]).toBe(4999);
  });
});

describe('WindowBuilder histograms', () => {
  it('turns cumulative le counts per interval into one non-cumulative histogram per window', () => {
    const b = builder();
    const t1 = UPGRADE + 60_000;
    const t2 = UPGRADE + 120_000;
    for (const [le, c] of [[10, 5], [100, 9], [Infinity, 10]] as const) b.addHistogramBucket('shop', '/a', t1, le, c);
    for (const [le, c] of [[10, 1], [100, 1], [Infinity, 4]] as const) b.addHistogramBucket('shop', '/a', t2, le, c);
    for (const [le, c] of [[10, 2], [100, 2], [Infinity, 2]] as const) b.addHistogramBucket('shop', '/a', UPGRADE - 60_000, le, c);
    const w = b.build();
    const s = w.latency[0];
    // blockCells: (block, bucket, non-cumulative count) of every interval, empty buckets left out.
    expect(s.after).toEqual({
      kind: 'histogram',
      upperBounds: Float64Array.from([10, 100, Infinity]),
      counts: Float64Array.from([6, 4, 4]),
      blockCells: { block: Uint32Array.from([1, 1, 1, 2, 2]), bucket: Uint32Array.from([0, 1, 2, 0, 2]), count: Float64Array.from([5, 4, 1, 1, 3]) },
    });
    expect(s.before).toEqual({
      kind: 'histogram',
      upperBounds: Float64Array.from([10, 100, Infinity]),
      counts: Float64Array.from([2, 0, 0]),
      blockCells: { block: Uint32Array.from([119]), bucket: Uint32Array.from([0]), count: Float64Array.from([2]) },
    });
    expect(s.timeline!.count[121]).toBe(10);
    expect(s.timeline!.count[122]).toBe(4);
    expect(w.warnings).toEqual([]);
  });

  it('warns on non-cumulative input and clamps the negative difference', () => {
    const b = builder();
    b.addHistogramBucket('shop', '/a', UPGRADE, 10, 5);
    b.addHistogramBucket('shop', '/a', UPGRADE, 100, 3);
    b.addHistogramBucket('shop', '/a', UPGRADE - 1000, 10, 1);
    b.addHistogramBucket('shop', '/a', UPGRADE - 1000, 100, 1);
    const w = b.build();
    expect(w.latency[0].after).toEqual({
      kind: 'histogram',
      upperBounds: Float64Array.from([10, 100]),
      counts: Float64Array.from([5, 0]),
      blockCells: { block: Uint32Array.from([0]), bucket: Uint32Array.from([0]), count: Float64Array.from([5]) },
    });
    expect(w.warnings).toEqual(['shop /a: 1 histogram bucket count(s) decreased with le (not cumulative?); treated as 0']);
  });

  it('keeps raw data and warns when raw and histogram data are mixed', () => {
    const b = builder();
    b.addRequest('shop', '/a', UPGRADE, 7);
    b.addHistogramBucket('shop', '/a', UPGRADE, 10, 5);
    b.addRequest('shop', '/a', UPGRADE - 1, 8);
    const w = b.build();
    expect(w.latency[0].after).toEqual({ kind: 'raw', values: Float64Array.from([7]), blocks: Uint32Array.from([0]) });
    expect(w.warnings).toEqual(['shop /a: both raw requests and histogram buckets in the after window; using the raw requests']);
  });

  it('uses upstream counters with an optional backoff histogram', () => {
    const b = builder();
    b.addUpstreamCounters('shop', 'p', UPGRADE, { calls: 100, retries: 7, exhausted: 1 }, { upperBounds: [100, 1000], counts: [3, 2] });
    b.addUpstreamCounters('shop', 'p', UPGRADE + 60_000, { calls: 50, retries: 1, exhausted: 0 }, { upperBounds: [100, 1000], counts: [1, 0] });
    b.addUpstreamCounters('shop', 'p', UPGRADE - 60_000, { calls: 10, retries: 0, exhausted: 0 });
    const u = b.build().upstreams[0];
    expect(u.after).toEqual({
      calls: 150,
      retries: 8,
      exhausted: 1,
      backoff: { kind: 'histogram', upperBounds: Float64Array.from([100, 1000]), counts: Float64Array.from([4, 2]) },
      perBlock: { calls: dense(120, { 0: 100, 1: 50 }), retries: dense(120, { 0: 7, 1: 1 }), exhausted: dense(120, { 0: 1 }) },
    });
    expect(u.before).toEqual({
      calls: 10,
      retries: 0,
      exhausted: 0,
      backoff: { kind: 'raw', values: new Float64Array(0) },
      perBlock: { calls: dense(120, { 119: 10 }), retries: dense(120, {}), exhausted: dense(120, {}) },
    });
  });
});

describe('WindowBuilder partial data and timelines', () => {
  it('keeps a subject seen in one window only and names it and the empty window in a warning', () => {
    const b = builder();
    b.addRequest('shop', '/new', UPGRADE + 5, 10);
    b.addUpstreamCall('shop', 'old-api', UPGRADE - 5, 1, 0, true);
    const w = b.build();
    expect(w.latency[0].before).toEqual({ kind: 'raw', values: new Float64Array(0) });
    expect(w.warnings).toEqual([
      'shop /new: no requests in the before window (2026-11-20T12:00:00.000Z – 2026-11-20T14:00:00.000Z); kept, its findings will be insufficient_data',
      'shop → old-api: no calls in the after window (2026-11-20T14:00:00.000Z – 2026-11-20T16:00:00.000Z); kept, its findings will be insufficient_data',
    ]);
  });

  it('estimates per-interval p50 and p99 within the bucket resolution', () => {
    const b = builder();
    const t = UPGRADE + 30 * 60_000;
    for (let i = 1; i <= 1000; i++) b.addRequest('shop', '/a', t, i); // p50 = 500, p99 = 990
    const tl = b.build().latency[0].timeline!;
    const i = 150;
    expect(tl.t[i]).toBe(t);
    expect(tl.count[i]).toBe(1000);
    expect(Math.abs(tl.p50[i] / 500 - 1)).toBeLessThan(TIMELINE_BUCKET_RATIO - 1);
    expect(Math.abs(tl.p99[i] / 990 - 1)).toBeLessThan(TIMELINE_BUCKET_RATIO - 1);
    expect(tl.count[i - 1]).toBe(0);
    expect(Number.isNaN(tl.p99[i - 1])).toBe(true);
    expect(tl.t.length).toBe(240);
  });

  it('widens the timeline interval for very long windows', () => {
    const b = builder({ before: { start: UPGRADE - 30 * 24 * H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + 30 * 24 * H } });
    expect(b.timelineIntervalMs).toBe(60_000 * 44);
    b.addRequest('shop', '/a', UPGRADE, 1);
    const tl = b.build().latency[0].timeline!;
    expect(tl.intervalMs).toBe(60_000 * 44);
    expect(tl.t.length).toBeLessThanOrEqual(2000);
  });
});

describe('WindowBuilder state transfer (parallel readers)', () => {
  it('merging the exported state of builders fed with parts equals one builder fed with everything', () => {
    const feed = (b: WindowBuilder, from: number, to: number) => {
      feedMixed(b, from, to);
      b.addRequest('shop', '/a', UPGRADE + 3 * H, 1); // outside
    };
    const whole = builder();
    feed(whole, 0, 12_000);
    const first = builder();
    feed(first, 0, 5_000);
    const second = builder();
    feed(second, 5_000, 12_000);
    const state = second.exportState();
    expect(state.transfer.length).toBeGreaterThan(0);
    first.mergeState(structuredClone(state, { transfer: state.transfer }));
    expect(first.counts).toEqual({ kept: whole.counts.kept, outsideWindows: 2, filtered: 0, unnamed: 0 });
    expect(isDeepStrictEqual(first.build(), whole.build())).toBe(true);
  });
});

describe('WindowBuilder filters that match nothing', () => {
  it('warns about a requested service or endpoint without any telemetry (a misspelt filter would otherwise just shrink the report)', () => {
    const b = builder({ services: ['shop', 'biling'], endpoints: ['/cart', '/chekout'] });
    b.addRequest('shop', '/cart', UPGRADE - 1, 10);
    b.addRequest('shop', '/cart', UPGRADE + 1, 11);
    const w = b.build();
    expect(w.warnings).toContain('service filter "biling": no telemetry of that service in the windows');
    expect(w.warnings).toContain('endpoint filter "/chekout": no requests of that endpoint in the windows');
    expect(w.warnings.filter((m) => m.includes('"shop"') || m.includes('"/cart"'))).toEqual([]);
  });
});

describe('WindowBuilder series cap (issue 14 item 4)', () => {
  it('refuses the first series past maxSeries with an error naming the cap, the series and how to raise it', () => {
    const b = builder({ maxSeries: 3 });
    expect(b.addRequest('shop', '/a', UPGRADE - H, 1)).toBe(true);
    expect(b.addUpstreamCall('shop', 'payments-api', UPGRADE - H, 1, 0, true)).toBe(true);
    expect(b.addRequest('shop', '/b', UPGRADE + H, 1)).toBe(true);
    // Known series keep coming; points outside the windows or filtered out create no series.
    expect(b.addRequest('shop', '/a', UPGRADE + H, 2)).toBe(true);
    expect(b.addRequest('shop', '/late', UPGRADE + 3 * H, 2)).toBe(false);
    expect(() => b.addRequest('shop', '/c', UPGRADE + H, 1)).toThrow(
      /more than 3 distinct series in the windows \(the series cap; the next one was latency shop \/c\): raise input\.maxSeries in the config or pass --max-series N/,
    );
    expect(() => b.addUpstreamCall('shop', 'users-api', UPGRADE + H, 1, 0, true)).toThrow(/next one was upstream shop users-api/);
  });

  it('counts only series that pass the filters, and applies the cap when thread states are merged', () => {
    const filtered = builder({ maxSeries: 1, endpoints: ['/a'] });
    filtered.addRequest('shop', '/a', UPGRADE - H, 1);
    expect(filtered.addRequest('shop', '/b', UPGRADE - H, 1)).toBe(false);
    const part = builder({ maxSeries: 1 });
    part.addRequest('shop', '/b', UPGRADE + H, 1);
    const into = builder({ maxSeries: 1 });
    into.addRequest('shop', '/a', UPGRADE - H, 1);
    expect(() => into.mergeState(part.exportState())).toThrow(/more than 1 distinct series/);
  });

  it('defaults to DEFAULT_MAX_SERIES (20 000)', async () => {
    const { DEFAULT_MAX_SERIES } = await import('../../../src/sources/window-builder/window-builder.ts');
    expect(DEFAULT_MAX_SERIES).toBe(20_000);
    const b = builder();
    for (let e = 0; e < DEFAULT_MAX_SERIES; e++) b.addRequest('s', `/e${e}`, UPGRADE - H, 1);
    expect(() => b.addRequest('s', '/one-more', UPGRADE - H, 1)).toThrow(/more than 20000 distinct series/);
  });
});

describe('WindowBuilder cohort split: untagged points', () => {
  it('counts untagged points only for the services and endpoints its filters keep', () => {
    const after = { start: UPGRADE, stop: UPGRADE + 2 * H };
    const b = builder({ before: after, services: ['shop'], endpoints: ['/a'], baseline: { kind: 'cohort', tag: 'variant', control: 'disabled' } });
    expect(b.addRequest('shop', '/a', UPGRADE + 1, 10, 'disabled')).toBe(true);
    expect(b.addRequest('shop', '/a', UPGRADE + 2, 11, 'on')).toBe(true);
    expect(b.addRequest('shop', '/a', UPGRADE + 3, 12)).toBe(false); // kept by the filters, no tag: untagged
    expect(b.addRequest('cart', '/a', UPGRADE + 4, 13)).toBe(false); // another service: filtered, not untagged
    expect(b.addRequest('shop', '/b', UPGRADE + 5, 14)).toBe(false); // another endpoint: filtered, not untagged
    expect(b.addUpstreamCall('cart', 'api', UPGRADE + 6, 1, 0, true)).toBe(false);
    expect(b.addUpstreamCall('shop', 'api', UPGRADE + 7, 1, 0, true)).toBe(false); // shop's upstream, untagged
    expect(b.build().baseline).toEqual({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['on'], untagged: 2 });
  });
});

describe('WindowBuilder without timelines (output that draws no charts, issue 12)', () => {
  const feed = feedMixed;
  /** The windows with every series' timeline taken out. */
  const withoutTimelines = (w: ReturnType<WindowBuilder['build']>) => ({
    ...w,
    latency: w.latency.map(({ timeline: _, ...rest }) => rest),
    upstreams: w.upstreams.map(({ timeline: _, ...rest }) => rest),
  });

  it('builds the same windows as a builder with timelines, only without the timelines', () => {
    const full = builder();
    feed(full, 0, 12_000);
    const lean = builder({ timelines: false });
    feed(lean, 0, 12_000);
    const a = full.build();
    const b = lean.build();
    expect(a.latency.every((s) => s.timeline !== undefined) && a.upstreams.every((u) => u.timeline !== undefined)).toBe(true);
    expect(b.latency.some((s) => 'timeline' in s) || b.upstreams.some((u) => 'timeline' in u)).toBe(false);
    expect(b.latency.map((s) => s.endpoint)).toEqual(['/a', '/b', '/h']);
    expect(isDeepStrictEqual(b, withoutTimelines(a))).toBe(true);
  });

  it('merges thread states whether or not the part kept timelines (forQuery reads MetricQuery.timelines)', () => {
    const query = { upgradeAt: UPGRADE, before: { start: UPGRADE - 2 * H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + 2 * H } };
    const whole = WindowBuilder.forQuery({ ...query, timelines: false }, { timelineIntervalMs: 60_000 });
    feed(whole, 0, 12_000);
    const into = WindowBuilder.forQuery({ ...query, timelines: false }, { timelineIntervalMs: 60_000 });
    feed(into, 0, 5_000);
    const withTimelines = WindowBuilder.forQuery(query, { timelineIntervalMs: 60_000 });
    feed(withTimelines, 5_000, 9_000);
    const lean = WindowBuilder.forQuery({ ...query, timelines: false }, { timelineIntervalMs: 60_000 });
    feed(lean, 9_000, 12_000);
    for (const part of [withTimelines, lean]) {
      const state = part.exportState();
      into.mergeState(structuredClone(state, { transfer: state.transfer }));
    }
    expect(isDeepStrictEqual(into.build(), whole.build())).toBe(true);
  });
});

describe('WindowBuilder plain upstream calls counted per uniform bucket (InfluxDB 1.x split pull, issue 12)', () => {
  type Options = Partial<ConstructorParameters<typeof WindowBuilder>[0]>;
  const D = 24 * H;
  /** Calls at pseudo-random times over both windows (and a little outside), a quarter of them retried or failed. */
  function calls(b: WindowBuilder, from: number, to: number, n: number, cohorts = false): Array<[string, number, number, boolean, string | undefined]> {
    const out: Array<[string, number, number, boolean, string | undefined]> = [];
    let x = 12345;
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const t = from + (x % (to - from));
      const attempts = i % 4 === 0 ? 1 + (i % 3) : i % 13 === 0 ? 0 : 1;
      const ok = i % 17 !== 0;
      const cohort = cohorts ? (['disabled', 'v2', undefined] as const)[i % 3] : undefined;
      out.push([i % 5 === 0 ? 'other' : 'shop', t, attempts, ok, cohort]);
    }
    void b;
    return out;
  }
  /** The same calls, one by one into `one` and, into `split`, the plain ones counted per uniform bucket of each window. */
  function feedBoth(options: Options, ranges: Array<{ start: number; stop: number }>, cohorts = false): [WindowBuilder, WindowBuilder] {
    const one = builder(options);
    const split = builder(options);
    const lo = Math.min(...ranges.map((r) => r.start)) - 10 * 60_000;
    const hi = Math.max(...ranges.map((r) => r.stop)) + 10 * 60_000;
    const all = calls(one, lo, hi, 20_000, cohorts);
    const perBucket = new Map<string, number>();
    for (const [svc, t, attempts, ok, cohort] of all) {
      one.addUpstreamCall(svc, 'payments', t, attempts, attempts > 1 ? 40 : 7, ok, cohort);
      const r = ranges.find((w) => t >= w.start && t < w.stop);
      const plain = attempts <= 1 && ok;
      if (!plain || r === undefined) {
        // Outside every query window: the source never sees it; counted one by one so the counts agree.
        split.addUpstreamCall(svc, 'payments', t, attempts, attempts > 1 ? 40 : 7, ok, cohort);
        continue;
      }
      const u = split.uniformBucket(r)!;
      const start = Math.max(r.start, u.offsetMs + Math.floor((t - u.offsetMs) / u.ms) * u.ms);
      const key = `${svc}\u0000${start}\u0000${cohort ?? ''}`;
      perBucket.set(key, (perBucket.get(key) ?? 0) + 1);
    }
    for (const [key, n] of perBucket) {
      const [svc, start, cohort] = key.split('\u0000');
      split.addPlainUpstreamCalls(svc, 'payments', Number(start), n, cohort === '' ? undefined : cohort);
    }
    return [one, split];
  }

  it('builds exactly what the calls one by one build: counts, blocks, timelines, kept/filtered counts', () => {
    const before = { start: UPGRADE - 2 * H, stop: UPGRADE };
    const after = { start: UPGRADE, stop: UPGRADE + 2 * H };
    const [one, split] = feedBoth({ services: ['shop'] }, [before, after]);
    expect(split.uniformBucket(before)).toEqual({ ms: 60_000, offsetMs: UPGRADE % 60_000 });
    expect(split.counts).toEqual(one.counts);
    expect(split.build()).toEqual(one.build());
  });

  it('windows that start off the minute: the bucket is the gcd of the periods and origins (1 s for the after window), still exact', () => {
    const before = { start: UPGRADE - H + 17_000, stop: UPGRADE };
    const after = { start: UPGRADE, stop: UPGRADE + H - 3_000 };
    const options = { before, after };
    const [one, split] = feedBoth(options, [before, after]);
    // The timeline starts with the before window, whose blocks share its origin; the after window's blocks start
    // 43 s off the timeline's minute edges.
    expect(split.uniformBucket(before)).toEqual({ ms: 60_000, offsetMs: before.start % 60_000 });
    expect(split.uniformBucket(after)!.ms).toBe(1000);
    expect(split.build()).toEqual(one.build());
  });

  it('a seasonal baseline (references a day and a day plus 7 s back) and a widened timeline interval', () => {
    const after = { start: UPGRADE, stop: UPGRADE + 2 * H };
    const references = [{ start: UPGRADE - D, stop: UPGRADE - D + 2 * H }, { start: UPGRADE - 2 * D - 7_000, stop: UPGRADE - 2 * D - 7_000 + 2 * H }];
    const options: Options = { before: { start: references[1].start, stop: references[0].stop }, after, baseline: { kind: 'seasonal', periodMs: D, references } };
    const [one, split] = feedBoth(options, [...references, after]);
    // Two days of timeline at one point per minute is more than MAX_TIMELINE_POINTS: the interval widens to 2 min.
    expect(one.timelineIntervalMs).toBe(120_000);
    // The timeline starts with the older reference; the other windows' blocks start 7 s off its edges.
    expect(split.uniformBucket(references[1])!.ms).toBe(60_000);
    expect(split.uniformBucket(references[0])!.ms).toBe(1000);
    expect(split.uniformBucket(after)!.ms).toBe(1000);
    expect(split.build()).toEqual(one.build());
  });

  it('a cohort baseline: untagged plain calls are counted as untagged, n at a time', () => {
    const after = { start: UPGRADE, stop: UPGRADE + 2 * H };
    const options: Options = { before: { ...after }, after, baseline: { kind: 'cohort', tag: 'variant', control: 'disabled' } };
    const [one, split] = feedBoth(options, [after], true);
    const a = one.build();
    expect(a.baseline).toMatchObject({ kind: 'cohort', untagged: expect.any(Number) });
    expect((a.baseline as { untagged: number }).untagged).toBeGreaterThan(0);
    expect(split.build()).toEqual(a);
  });

  it('no uniform bucket when a time is not a whole millisecond', () => {
    const b = builder();
    expect(b.uniformBucket({ start: UPGRADE + 0.5, stop: UPGRADE + H })).toBeNull();
    expect(b.addPlainUpstreamCalls('shop', 'p', UPGRADE, 0)).toBe(false);
  });
});
