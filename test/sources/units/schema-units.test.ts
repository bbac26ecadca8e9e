/**
 * Schema `unit` per metric (s, ms, us, ns): raw durations, backoff waits and `le` bounds are converted to ms by
 * every source (line-protocol mapper, InfluxDB stage), so reports are always in ms; an unknown unit is refused
 * naming the config field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boundToMs, deepMerge, loadConfig, type SchemaMapping } from '../../../src/config.ts';
import { influx1Settings } from '../../../src/sources/influx/influx-config.ts';
import { bucketGrid, bucketRangeFor, InfluxStage } from '../../../src/sources/influx/influx-fetch.ts';
import { parseLineProtocol } from '../../../src/sources/line-protocol/line-protocol.ts';
import { SchemaMapper } from '../../../src/sources/line-protocol/schema-mapper.ts';
import { WindowBuilder } from '../../../src/sources/window-builder/window-builder.ts';

const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const config = loadConfig();
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const builder = () => new WindowBuilder({ upgradeAt: UPGRADE, before: { start: UPGRADE - H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + H }, timelineIntervalMs: 60_000 });
const withUnits = (units: { request?: string; upstream?: string; histogram?: string }): SchemaMapping =>
  deepMerge(config.schema, { request: { unit: units.request }, upstream: { unit: units.upstream }, histogram: { unit: units.histogram } });

describe('schema units', () => {
  it('the default schema states ms for every metric', () => {
    expect([config.schema.request.unit, config.schema.upstream.unit, config.schema.histogram.unit]).toEqual(['ms', 'ms', 'ms']);
  });

  it('an unknown unit is refused naming the file and the field', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'schema:\n  histogram: { unit: sec }\n');
    expect(() => loadConfig({ file })).toThrow(/bad\.yaml: schema\.histogram\.unit: unknown unit "sec"; use one of s, ms, us, ns/);
    expect(() => influx1Settings({ kind: 'influx1', url: 'http://127.0.0.1:8086', db: 'x', schema: { request: { unit: 'minutes' } } }, config, 'config sources.prod', {})).toThrow(
      /config sources\.prod: schema\.request\.unit: unknown unit "minutes"/,
    );
  });

  it('bounds are exact in ms (0.3 s is 300 ms, +Inf stays +Inf)', () => {
    expect([0.005, 0.075, 0.3, 2.5, Infinity].map((le) => boundToMs(le, 1000))).toEqual([5, 75, 300, 2500, Infinity]);
    expect(boundToMs(250_000, 0.001)).toBe(250);
  });

  it('line protocol: seconds, microseconds and nanoseconds become ms', () => {
    const b = builder();
    const mapper = new SchemaMapper(withUnits({ request: 's', upstream: 'us', histogram: 's' }), b);
    const t = `${UPGRADE - 60_000}000000`;
    const parser = parseLineProtocol(
      [
        `http_request,service=shop,endpoint=/a duration_ms=0.25 ${t}`,
        `upstream_call,service=shop,upstream=pay attempts=2i,backoff_ms=150000,ok=true ${t}`,
        `http_request_duration_ms_bucket,service=shop,endpoint=/b,le=0.1 count=3 ${t}`,
        `http_request_duration_ms_bucket,service=shop,endpoint=/b,le=0.3 count=5 ${t}`,
        `http_request_duration_ms_bucket,service=shop,endpoint=/b,le=+Inf count=6 ${t}`,
      ].join('\n'),
      mapper.onPoint,
    );
    expect(parser.badLineCount).toBe(0);
    const w = b.build();
    const a = w.latency.find((l) => l.endpoint === '/a')!;
    const h = w.latency.find((l) => l.endpoint === '/b')!;
    expect(a.before.kind === 'raw' && Array.from(a.before.values)).toEqual([250]);
    expect(h.before.kind === 'histogram' && Array.from(h.before.upperBounds)).toEqual([100, 300, Infinity]);
    expect(w.upstreams[0].before.backoff.kind === 'raw' && Array.from(w.upstreams[0].before.backoff.values)).toEqual([150]);
  });

  it('line protocol: nanoseconds', () => {
    const b = builder();
    const mapper = new SchemaMapper(withUnits({ request: 'ns' }), b);
    parseLineProtocol(`http_request,service=shop,endpoint=/a duration_ms=1500000 ${UPGRADE - 1000}000000`, mapper.onPoint);
    const a = b.build().latency[0];
    expect(a.before.kind === 'raw' && Array.from(a.before.values)).toEqual([1.5]);
  });

  it('InfluxDB stage: raw values, le bounds and the aggregated grid are converted on commit', () => {
    const ms = { duration: 1000, backoff: 1000, le: 1000 };
    const before = { start: UPGRADE - H, stop: UPGRADE };
    const grid = bucketGrid({ min: 1, max: 1000, perDecade: 1 }, 1000);
    // The grid is in the raw unit (s): 1 ms … 1000 ms are 0.001 … 1 s.
    expect(Array.from(grid)).toEqual([0.001, 0.01, 0.1, 1, Infinity]);
    const b = builder();
    const raw = new InfluxStage(before, null, ms);
    raw.request('shop', '/a', UPGRADE - 1000, 0.5);
    raw.leBucket('shop', '/c', UPGRADE - 60_000, 0.3, 4);
    raw.leBucket('shop', '/c', UPGRADE - 60_000, Infinity, 5);
    raw.commit(b);
    const calls = new InfluxStage(before, null, ms);
    calls.call('shop', 'pay', UPGRADE - 1000, 3, 0.2, true);
    calls.commit(b);
    const agg = new InfluxStage(before, bucketRangeFor(grid, 0.005, 0.5), ms);
    agg.requestBucket('shop', '/b', UPGRADE - 60_000, 2, 7);
    agg.commit(b);
    const w = b.build();
    const by = (e: string) => w.latency.find((l) => l.endpoint === e)!.before;
    const a = by('/a');
    expect(a.kind === 'raw' && Array.from(a.values)).toEqual([500]);
    const c = by('/c');
    expect(c.kind === 'histogram' && Array.from(c.upperBounds)).toEqual([300, Infinity]);
    const hb = by('/b');
    expect(hb.kind === 'histogram' && Array.from(hb.upperBounds)).toEqual([1, 10, 100, 1000]);
    expect(hb.kind === 'histogram' && Array.from(hb.counts)).toEqual([0, 0, 7, 0]);
    const bo = w.upstreams[0].before.backoff;
    expect(bo.kind === 'raw' && Array.from(bo.values)).toEqual([200]);
  });
});
