import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { LatencySeries, MetricWindows, SampleSet, UpstreamSeries } from '../../../src/analysis/types.ts';
import { loadConfig } from '../../../src/config.ts';
import { DEFAULT_DEMO_MAX_POINTS, DemoSource } from '../../../src/sources/demo/demo-source.ts';
import { DEMO_ENDPOINTS, demoPointsPerSecond, formatNs, writeDemoLineProtocol } from '../../../src/sources/demo/demo-telemetry.ts';
import { LineProtocolFileSource } from '../../../src/sources/line-protocol/file-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';

const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const QUERY: MetricQuery = { upgradeAt: UPGRADE, before: { start: UPGRADE - 2 * H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + 2 * H } };
const config = loadConfig();
const tmp = mkdtempSync(path.join(tmpdir(), 'aftershock-demo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const demo = (seed = 42) => new DemoSource({ seed, timelineIntervalMs: 60_000 });

function values(s: SampleSet): Float64Array {
  if (s.kind !== 'raw') throw new Error('demo data is raw');
  return s.values;
}

function quantile(s: SampleSet, p: number): number {
  const v = Float64Array.from(values(s)).sort();
  return v[Math.min(v.length - 1, Math.floor(p * v.length))];
}

function latency(w: MetricWindows, endpoint: string): LatencySeries {
  const s = w.latency.find((l) => l.endpoint === endpoint);
  if (!s) throw new Error(`no ${endpoint}`);
  return s;
}

function upstream(w: MetricWindows, name: string): UpstreamSeries {
  const s = w.upstreams.find((u) => u.upstream === name);
  if (!s) throw new Error(`no ${name}`);
  return s;
}

const ratio = (after: number, before: number) => after / before;

describe('DemoSource', () => {
  const windows = demo().fetch(QUERY);

  it('is deterministic: the same seed gives identical windows, another seed other data', async () => {
    const a = await windows;
    // node's deep equality: vitest's toEqual walks 360 k typed-array elements slowly.
    expect(isDeepStrictEqual(await demo(42).fetch(QUERY), a)).toBe(true);
    const other = await demo(7).fetch(QUERY);
    expect(values(latency(other, '/checkout').before)).not.toEqual(values(latency(a, '/checkout').before));
  });

  it('has the advertised subjects and enough /checkout requests to decide p99.9 in each 2 h window', async () => {
    const w = await windows;
    expect(w.latency.map((l) => `${l.service} ${l.endpoint}`)).toEqual(DEMO_ENDPOINTS.map((e) => `${e.service} ${e.endpoint}`).sort());
    expect(w.upstreams.map((u) => u.upstream).sort()).toEqual(['inventory-api', 'payments-api', 'search-api', 'users-api']);
    const checkout = latency(w, '/checkout');
    expect(values(checkout.before).length).toBeGreaterThan(10_000);
    expect(values(checkout.after).length).toBeGreaterThan(10_000);
    const points = w.latency.reduce((n, l) => n + values(l.before).length + values(l.after).length, 0) + w.upstreams.reduce((n, u) => n + u.before.calls + u.after.calls, 0);
    expect(points).toBeGreaterThan(200_000);
    expect(points).toBeLessThan(400_000);
    expect(w.warnings).toEqual([]);
  });

  it('tells the story: /checkout p99 regresses through payments-api retries and backoff, its median barely moves', async () => {
    const w = await windows;
    const checkout = latency(w, '/checkout');
    expect(ratio(quantile(checkout.after, 0.5), quantile(checkout.before, 0.5))).toBeLessThan(1.03);
    expect(ratio(quantile(checkout.after, 0.5), quantile(checkout.before, 0.5))).toBeGreaterThan(0.97);
    expect(ratio(quantile(checkout.after, 0.99), quantile(checkout.before, 0.99))).toBeGreaterThan(1.4);
    expect(ratio(quantile(checkout.after, 0.999), quantile(checkout.before, 0.999))).toBeGreaterThan(2);

    const pay = upstream(w, 'payments-api');
    expect(ratio(pay.after.retries / pay.after.calls, pay.before.retries / pay.before.calls)).toBeGreaterThan(1.3);
    expect(ratio(quantile(pay.after.backoff, 0.5), quantile(pay.before.backoff, 0.5))).toBeGreaterThan(5);
  });

  it('leaves every other endpoint and upstream statistically unchanged', async () => {
    const w = await windows;
    for (const l of w.latency.filter((x) => x.endpoint !== '/checkout')) {
      expect(Math.abs(ratio(quantile(l.after, 0.5), quantile(l.before, 0.5)) - 1), `${l.endpoint} p50`).toBeLessThan(0.03);
      expect(Math.abs(ratio(quantile(l.after, 0.99), quantile(l.before, 0.99)) - 1), `${l.endpoint} p99`).toBeLessThan(0.1);
    }
    for (const u of w.upstreams.filter((x) => x.upstream !== 'payments-api')) {
      expect(Math.abs(ratio(u.after.retries / u.after.calls, u.before.retries / u.before.calls) - 1), `${u.upstream} retries`).toBeLessThan(0.25);
      expect(Math.abs(ratio(quantile(u.after.backoff, 0.5), quantile(u.before.backoff, 0.5)) - 1), `${u.upstream} backoff`).toBeLessThan(0.15);
    }
  });

  it('fills timelines that show the regression after the upgrade', async () => {
    const tl = latency(await windows, '/checkout').timeline;
    expect(tl?.t.length).toBe(240);
    const meanP99 = (from: number, to: number) => {
      let s = 0;
      for (let i = from; i < to; i++) s += tl!.p99[i];
      return s / (to - from);
    };
    expect(meanP99(120, 240) / meanP99(0, 120)).toBeGreaterThan(1.3);
    expect(tl!.count.reduce((a, b) => a + b, 0)).toBe(values(latency(await windows, '/checkout').before).length + values(latency(await windows, '/checkout').after).length);
  });

  it('applies the query filters', async () => {
    const w = await demo().fetch({ ...QUERY, services: ['accounts'] });
    expect(w.latency.map((l) => l.endpoint)).toEqual(['/login', '/profile']);
    expect(w.upstreams.map((u) => u.upstream)).toEqual(['users-api']);
  });

  it('scales rates down for long windows and says so', async () => {
    const day = 24 * H;
    const w = await demo().fetch({ upgradeAt: UPGRADE, before: { start: UPGRADE - 2 * day, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + 2 * day } });
    const points = w.latency.reduce((n, l) => n + values(l.before).length + values(l.after).length, 0) + w.upstreams.reduce((n, u) => n + u.before.calls + u.after.calls, 0);
    expect(points).toBeLessThan(DEFAULT_DEMO_MAX_POINTS * 1.05);
    expect(points).toBeGreaterThan(DEFAULT_DEMO_MAX_POINTS * 0.95);
    const scale = DEFAULT_DEMO_MAX_POINTS / (4 * 86_400 * demoPointsPerSecond());
    expect(scale).toBeCloseTo(0.046, 3);
    expect(w.warnings).toEqual([`demo: request rates scaled by ${scale.toPrecision(2)} to keep the long windows at about ${DEFAULT_DEMO_MAX_POINTS} points`]);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort(new Error('nope'));
    await expect(demo().fetch({ ...QUERY, signal: ac.signal })).rejects.toThrow('nope');
  });
});

describe('demo telemetry as line protocol', () => {
  it('writes exactly the telemetry the DemoSource generates (file source round trip)', async () => {
    const file = path.join(tmp, 'demo.lp');
    const out = createWriteStream(file);
    const lines = await writeDemoLineProtocol(out, { upgradeAt: UPGRADE, before: QUERY.before, after: QUERY.after, seed: 42 });
    out.end();
    await finished(out);
    const fromFile = await new LineProtocolFileSource({ path: file, schema: config.schema, maxBadLineShare: 0, timelineIntervalMs: 60_000 }).fetch(QUERY);
    const direct = await demo().fetch(QUERY);
    expect(lines).toBeGreaterThan(300_000);
    expect(fromFile.warnings).toEqual([]);
    expect(isDeepStrictEqual({ ...fromFile, source: undefined }, { ...direct, source: undefined })).toBe(true);
  });

  it('scales the line count with `scale`', async () => {
    const short = { upgradeAt: UPGRADE, before: { start: UPGRADE - 60_000, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + 60_000 } };
    const sink = createWriteStream('/dev/null');
    const one = await writeDemoLineProtocol(sink, { ...short, scale: 1 });
    const ten = await writeDemoLineProtocol(sink, { ...short, scale: 10 });
    sink.end();
    const expected = 120 * demoPointsPerSecond();
    expect(one / expected).toBeGreaterThan(0.85);
    expect(one / expected).toBeLessThan(1.15);
    expect(ten / (10 * expected)).toBeGreaterThan(0.95);
    expect(ten / (10 * expected)).toBeLessThan(1.05);
  });

  it('formats microsecond times as exact nanosecond stamps', () => {
    expect(formatNs(UPGRADE)).toBe('1795183200000000000');
    expect(formatNs(UPGRADE + 0.001)).toBe('1795183200000001000');
    expect(formatNs(UPGRADE + 999.999)).toBe('1795183200999999000');
  });
});
