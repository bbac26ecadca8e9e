/**
 * Deployment markers and event counters in a line-protocol file: markers within the windows land in
 * MetricWindows.markers, asked-for counters are totalled per service and window (counted or summed), and a
 * parallel read gives exactly what one thread gives.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { LineProtocolFileSource, type LineProtocolFileSourceOptions } from '../../../src/sources/line-protocol/file-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';

const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const config = loadConfig();
const tmp = mkdtempSync(path.join(tmpdir(), 'aftershock-extra-points-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(): string {
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) {
    const t = UPGRADE - H + i * 12_000;
    lines.push(`http_request,service=shop,endpoint=/checkout duration_ms=${100 + (i % 7)} ${ns(t)}`);
    lines.push(`http_request,service=accounts,endpoint=/login duration_ms=${50 + (i % 5)} ${ns(t + 1)}`);
    if (i % 10 === 0) lines.push(`fallback_total,service=shop count=${t < UPGRADE ? 1 : 3}i ${ns(t + 2)}`);
    if (i % 50 === 0) lines.push(`fallback_total,service=accounts count=2i ${ns(t + 3)}`);
  }
  lines.push(`deployment,service=shop version="2.4.0" ${ns(UPGRADE)}`);
  lines.push(`deployment,service=accounts version="1.9.1" ${ns(UPGRADE + 120_000)}`);
  // Outside both windows: not a deployment of this upgrade.
  lines.push(`deployment,service=shop version="2.3.9" ${ns(UPGRADE - 3 * H)}`);
  const f = path.join(tmp, 'markers.lp');
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

const QUERY: MetricQuery = {
  upgradeAt: UPGRADE,
  before: { start: UPGRADE - H, stop: UPGRADE },
  after: { start: UPGRADE, stop: UPGRADE + H },
  eventCounts: [{ measurement: 'fallback_total' }, { measurement: 'fallback_total', field: 'count' }],
};

function source(f: string, extra: Partial<LineProtocolFileSourceOptions> = {}) {
  return new LineProtocolFileSource({ path: f, schema: config.schema, maxBadLineShare: 0, timelineIntervalMs: 60_000, ...extra });
}

describe('line-protocol deployment markers and event counters', () => {
  const f = file();

  it('reports the markers within the windows with their versions', async () => {
    const w = await source(f, { workers: 0 }).fetch(QUERY);
    expect(w.markers).toEqual([
      { service: 'shop', at: UPGRADE, version: '2.4.0' },
      { service: 'accounts', at: UPGRADE + 120_000, version: '1.9.1' },
    ]);
    expect(w.warnings).toEqual([]);
  });

  it('counts points and sums a field per service and window', async () => {
    const w = await source(f, { workers: 0 }).fetch(QUERY);
    expect(w.eventCounts).toEqual([
      { counter: 'fallback_total', service: 'accounts', before: 6, after: 6 },
      { counter: 'fallback_total', service: 'shop', before: 30, after: 30 },
      { counter: 'fallback_total.count', service: 'accounts', before: 12, after: 12 },
      { counter: 'fallback_total.count', service: 'shop', before: 30, after: 90 },
    ]);
  });

  it('applies the service filter to markers and counters, and asks nothing when no counter is asked for', async () => {
    const w = await source(f, { workers: 0 }).fetch({ ...QUERY, services: ['shop'] });
    expect(w.markers?.map((m) => m.service)).toEqual(['shop']);
    expect(new Set(w.eventCounts?.map((c) => c.service))).toEqual(new Set(['shop']));
    const plain = await source(f, { workers: 0 }).fetch({ ...QUERY, eventCounts: undefined });
    expect(plain.eventCounts).toBeUndefined();
    // Not asked for, fallback_total is a measurement outside the schema, as before.
    expect(plain.warnings.join('\n')).toMatch(/outside the schema were ignored: fallback_total/);
  });

  it('gives the same markers and counts from a parallel read', async () => {
    const one = await source(f, { workers: 0 }).fetch(QUERY);
    const many = await source(f, { workers: 2, parallelMinBytes: 0, segmentBytes: 4096 }).fetch(QUERY);
    expect(many.markers).toEqual(one.markers);
    expect(many.eventCounts).toEqual(one.eventCounts);
  });

  it('refuses a counter point without the service tag as a malformed line', async () => {
    const bad = path.join(tmp, 'bad.lp');
    writeFileSync(bad, `http_request,service=shop,endpoint=/a duration_ms=1 ${ns(UPGRADE - 1000)}\nfallback_total count=1i ${ns(UPGRADE + 1000)}\n`);
    const e = await source(bad, { maxBadLineShare: 0 }).fetch(QUERY).catch((x: unknown) => x as Error);
    expect((e as Error).message).toMatch(/line 2: missing tag "service"/);
  });
});
