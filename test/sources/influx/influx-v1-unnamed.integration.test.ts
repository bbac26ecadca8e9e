/**
 * Points without the service, endpoint or upstream tag on a real InfluxDB 1.x: its GROUP BY returns them under the
 * empty tag value, where the file source refuses such a line ("missing tag"). Every pull (raw, aggregated, the split
 * upstream pull) must leave them out and say how many, and build the named series exactly as the file source does
 * from the same lines; they must never become a finding for a nameless endpoint.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import type { MetricWindows } from '../../../src/analysis/types.ts';
import { influxSettingsFromUrl, type Influx1Settings } from '../../../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import { LineProtocolFileSource } from '../../../src/sources/line-protocol/file-source.ts';
import { HOUR, hourQuery, influxQuery, TEST_UPGRADE_AT, uniqueDbName, writeLines } from './influx-test-helpers.ts';

const url = inject('influxUrl');
const config = loadConfig();
const U = TEST_UPGRADE_AT;
const db = uniqueDbName('aftershock_unnamed');
const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-unnamed-'));
const file = path.join(dir, 'points.lp');

/** Named requests and calls every 20 s on both sides of the upgrade, and every 7th point without one of its tags. */
function lines(): { text: string; unnamed: number } {
  const out: string[] = [];
  let unnamed = 0;
  let i = 0;
  for (let t = U - HOUR + 5_000; t < U + HOUR; t += 20_000, i++) {
    const d = (20 + (i % 13) * 3.5 + (t >= U ? 6 : 0)).toFixed(1);
    if (i % 7 === 3) {
      out.push(`http_request,service=shop duration_ms=${d} ${t}000000`);
      out.push(`http_request,endpoint=/cart duration_ms=${d} ${t + 1}000000`);
      out.push(`upstream_call,service=shop attempts=${1 + (i % 3)}i,backoff_ms=${(i % 3) * 40},ok=true ${t + 2}000000`);
      unnamed += 3;
    }
    out.push(`http_request,service=shop,endpoint=/cart duration_ms=${d} ${t + 3}000000`);
    out.push(`http_request,service=shop,endpoint=/pay duration_ms=${(Number(d) * 2).toFixed(1)} ${t + 4}000000`);
    out.push(`upstream_call,service=shop,upstream=payments attempts=${1 + (i % 4 === 0 ? 2 : 0)}i,backoff_ms=${i % 4 === 0 ? 120 : 0},ok=${i % 11 !== 0} ${t + 5}000000`);
  }
  return { text: `${out.join('\n')}\n`, unnamed };
}

const data = lines();

function influx(modes: Influx1Settings['modes'], extra: Partial<Influx1Settings> = {}): InfluxV1Source {
  const s = influxSettingsFromUrl(`influx1+${url}/${db}`, config, {}) as Influx1Settings;
  return new InfluxV1Source({ ...s, modes, ...extra });
}

const names = (w: MetricWindows): string[] => [...w.latency.map((l) => `${l.service} ${l.endpoint}`), ...w.upstreams.map((u) => `${u.service} ${u.upstream}`)];
const unnamedWarning = (w: MetricWindows): string | undefined => w.warnings.find((m) => m.includes('empty service, endpoint or upstream name'));

beforeAll(async () => {
  await influxQuery(url, `CREATE DATABASE "${db}"`);
  await writeLines(url, db, data.text);
  writeFileSync(file, data.text);
});

afterAll(async () => {
  await influxQuery(url, `DROP DATABASE "${db}"`);
  rmSync(dir, { recursive: true, force: true });
});

describe('InfluxDB 1.x: points without the service, endpoint or upstream tag', () => {
  it('raw pulls (the split upstream pull and the full one) leave them out, count them, and equal the file source on the rest', async () => {
    const fromFile = await new LineProtocolFileSource({ path: file, schema: config.schema, maxBadLineShare: 0.5, timelineIntervalMs: config.input.timelineIntervalMs }).fetch(hourQuery());
    // The file source refuses such lines as bad ones ("missing tag"), and says so.
    expect(fromFile.warnings.join('\n')).toMatch(/missing tag/);
    for (const split of [true, false]) {
      const w = await influx({ requests: 'raw', upstreams: 'raw' }, { splitUpstreams: split }).fetch(hourQuery());
      expect(names(w)).toEqual(['shop /cart', 'shop /pay', 'shop payments']);
      expect(unnamedWarning(w)).toBe(`${data.unnamed} points in the windows have an empty service, endpoint or upstream name (a tag missing from the points): left out`);
      expect(w.latency).toEqual(fromFile.latency);
      expect(w.upstreams).toEqual(fromFile.upstreams);
    }
  });

  it('an aggregated pull leaves them out too: no finding can name an empty endpoint', async () => {
    const w = await influx({ requests: 'aggregated', upstreams: 'aggregated' }).fetch(hourQuery());
    expect(names(w)).toEqual(['shop /cart', 'shop /pay', 'shop payments']);
    expect(unnamedWarning(w)).toBeDefined();
  });
});
