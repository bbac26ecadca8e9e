/**
 * Raw request pulls on a real InfluxDB 1.x ask one statement per series the count query found (issue 12: influxd
 * merges a GROUP BY over all series through a heap point by point), up to 64 series; more are grouped by tags in
 * one statement. Either way the points must be exactly the file source's on the same lines: series without the
 * endpoint tag (left out and counted, as the file source refuses such lines), a series spread over several hosts,
 * tag values that need escaping, a service filter.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import type { MetricWindows, SampleSet } from '../../../src/analysis/types.ts';
import { influxSettingsFromUrl, type Influx1Settings } from '../../../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import { LineProtocolFileSource } from '../../../src/sources/line-protocol/file-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';
import { InfluxFaultProxy } from './influx-fault-proxy.ts';
import { influxQuery, uniqueDbName, writeLines, hourQuery, HOUR, TEST_UPGRADE_AT } from './influx-test-helpers.ts';

const url = inject('influxUrl');
const config = loadConfig();
const U = TEST_UPGRADE_AT;
const dbs = { few: uniqueDbName('aftershock_stmts'), many: uniqueDbName('aftershock_stmts_many') };
const proxy = new InfluxFaultProxy(url);
let tmpDir: string;
const files = { few: '', many: '' };

/** `n` requests of one series in each window, at distinct times. */
function series(head: string, n: number, seed: number): string[] {
  const lines: string[] = [];
  for (const start of [U - HOUR, U]) {
    for (let i = 0; i < n; i++) {
      const t = start + Math.floor((i * HOUR) / n) + (seed % 7);
      lines.push(`${head} duration_ms=${(1 + ((i * 37 + seed * 11) % 900) / 3).toFixed(3)} ${t}000000`);
    }
  }
  return lines;
}

const fewLines = [
  ...series('http_request,service=shop,endpoint=/cart,host=a', 900, 1),
  ...series('http_request,service=shop,endpoint=/cart,host=b', 700, 2),
  ...series('http_request,service=shop,endpoint=/search\\ all', 500, 3),
  ...series("http_request,service=shop,endpoint=/it's", 300, 4),
  ...series('http_request,service=accounts,endpoint=/login', 600, 6),
];
/**
 * No endpoint tag: the count groups it under "", and `"endpoint" = ''` selects it; the file source refuses such lines
 * ("missing tag"), so these go to InfluxDB only, whose 800 points (400 per window) must be left out and counted.
 */
const untagged = series('http_request,service=accounts', 400, 5);
const UNTAGGED_WARNING = `${untagged.length} points in the windows have an empty service, endpoint or upstream name (a tag missing from the points): left out`;
const manyLines = Array.from({ length: 70 }, (_v, i) => series(`http_request,service=shop,endpoint=/e${i}`, 40, i)).flat();

function source(db: string): InfluxV1Source {
  const s = influxSettingsFromUrl(`influx1+${proxy.url}/${db}`, config, {}) as Influx1Settings;
  return new InfluxV1Source({ ...s, modes: { requests: 'raw', upstreams: 'off' }, chunkSize: 250 });
}

const sorted = (s: SampleSet): number[] => (s.kind === 'raw' ? Array.from(s.values).sort((a, b) => a - b) : []);
const points = (w: MetricWindows): Record<string, [number[], number[]]> =>
  Object.fromEntries(w.latency.map((l) => [`${l.service} ${l.endpoint}`, [sorted(l.before), sorted(l.after)]]));
/** Statements per raw pull request seen by the proxy. */
const statementsPerPull = (): number[] =>
  proxy.seen.filter((x) => x.q.startsWith('SELECT "duration_ms" FROM')).map((x) => x.q.split('SELECT "duration_ms" FROM').length - 1);

beforeAll(async () => {
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-influx-stmts-'));
  for (const [key, lines] of [['few', fewLines], ['many', manyLines]] as const) {
    files[key] = path.join(tmpDir, `${key}.lp`);
    await writeFile(files[key], `${lines.join('\n')}\n`);
    await influxQuery(url, `CREATE DATABASE "${dbs[key]}"`);
    await writeLines(url, dbs[key], `${[...lines, ...(key === 'few' ? untagged : [])].join('\n')}\n`);
  }
  await proxy.start();
}, 60_000);

beforeEach(async () => {
  await proxy.settle();
  proxy.seen.length = 0;
});

afterAll(async () => {
  await proxy.stop();
  for (const db of Object.values(dbs)) await influxQuery(url, `DROP DATABASE "${db}"`);
  await rm(tmpDir, { recursive: true, force: true });
});

/** The file source's points per series, and exactly the `warnings` (about points only InfluxDB holds). */
async function expectFileSourcePoints(db: string, file: string, q: MetricQuery, warnings: string[] = []): Promise<void> {
  const reference = await new LineProtocolFileSource({ path: file, schema: config.schema, maxBadLineShare: 0, timelineIntervalMs: config.input.timelineIntervalMs }).fetch(q);
  const w = await source(db).fetch(q);
  const expected = points(reference);
  expect(Object.keys(points(w)).sort()).toEqual(Object.keys(expected).sort());
  expect(points(w)).toEqual(expected);
  expect(w.warnings).toEqual(warnings);
}

describe('InfluxV1Source raw request pulls, one statement per known series (real InfluxDB 1.x)', () => {
  it('five series (one without the endpoint tag, one over two hosts, two with escaped values): one statement each, the file source\'s points', async () => {
    await expectFileSourcePoints(dbs.few, files.few, hourQuery(), [UNTAGGED_WARNING]);
    const perPull = statementsPerPull();
    expect(perPull.length).toBeGreaterThanOrEqual(2);
    expect(new Set(perPull)).toEqual(new Set([5]));
  });

  it('with a service filter: only that service\'s series are asked for, the same points', async () => {
    await expectFileSourcePoints(dbs.few, files.few, hourQuery({ services: ['accounts'] }), [UNTAGGED_WARNING]);
    expect(new Set(statementsPerPull())).toEqual(new Set([2]));
  });

  it('70 series (more than 64): one statement grouped by tags, the same points', async () => {
    await expectFileSourcePoints(dbs.many, files.many, hourQuery());
    expect(new Set(statementsPerPull())).toEqual(new Set([1]));
  });
});
