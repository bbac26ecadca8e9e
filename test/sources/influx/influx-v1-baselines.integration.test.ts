/**
 * Baselines (issue 11) through InfluxV1Source against the real InfluxDB 1.x: the demo's staged flag rollout
 * (`variant` tag, 10 % → 50 %) with a cohort baseline, and the demo on three earlier days with a seasonal one.
 * The same line-protocol file is read by the file source, which is the reference: raw mode must give exactly its
 * points per cohort / per reference period, aggregated mode the same counts and verdicts.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.ts';
import type { MetricWindows, SampleSet } from '../../../src/analysis/types.ts';
import { analysisSettings, loadConfig } from '../../../src/config.ts';
import { writeDemoLineProtocol, type DemoLineProtocolOptions } from '../../../src/sources/demo/demo-telemetry.ts';
import { influxSettingsFromUrl, type Influx1Settings, type MetricMode } from '../../../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import { LineProtocolFileSource } from '../../../src/sources/line-protocol/file-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';
import { influxQuery, loadLineProtocolFile, uniqueDbName } from './influx-test-helpers.ts';

const url = inject('influxUrl');
const config = loadConfig();
const settings = analysisSettings(config);
const upgradeAt = Date.parse('2026-11-20T14:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const after = { start: upgradeAt, stop: upgradeAt + 2 * HOUR };
const references = [1, 2, 3].map((k) => ({ start: after.start - k * DAY, stop: after.stop - k * DAY }));
const cohortQuery: MetricQuery = { upgradeAt, before: { ...after }, after, baseline: { kind: 'cohort', tag: 'variant', control: 'disabled' } };
const seasonalQuery: MetricQuery = {
  upgradeAt,
  before: { start: references[2].start, stop: references[0].stop },
  after,
  baseline: { kind: 'seasonal', periodMs: DAY, references },
};
// A variance history: 3 baseline days, the day-to-day variation over 8, of which the file holds 7 (the 8th empty).
const week = [1, 2, 3, 4, 5, 6, 7].map((k) => ({ start: after.start - k * DAY, stop: after.stop - k * DAY }));
const eight = [...week, { start: after.start - 8 * DAY, stop: after.stop - 8 * DAY }];
const historyQuery: MetricQuery = {
  upgradeAt,
  before: { start: eight[7].start, stop: eight[0].stop },
  after,
  baseline: { kind: 'seasonal', periodMs: DAY, references: eight, levelPeriods: 3 },
};
const dbs = { cohort: uniqueDbName('aftershock_v1_cohort'), seasonal: uniqueDbName('aftershock_v1_seasonal'), history: uniqueDbName('aftershock_v1_history') };
let tmpDir: string;
const files: Record<'cohort' | 'seasonal' | 'history', string> = { cohort: '', seasonal: '', history: '' };

async function writeFile(name: string, options: DemoLineProtocolOptions): Promise<string> {
  const file = path.join(tmpDir, name);
  const out = createWriteStream(file);
  await writeDemoLineProtocol(out, options);
  out.end();
  await finished(out);
  return file;
}

function source(db: string, modes: { requests: MetricMode; upstreams: MetricMode }): InfluxV1Source {
  const s = influxSettingsFromUrl(`influx1+${url}/${db}`, config, {}) as Influx1Settings;
  s.modes = modes;
  s.retry = { ...s.retry, minDelayMs: 10, maxDelayMs: 50 };
  return new InfluxV1Source(s);
}

function fileSource(file: string): LineProtocolFileSource {
  return new LineProtocolFileSource({ path: file, schema: config.schema, maxBadLineShare: 0, timelineIntervalMs: config.input.timelineIntervalMs });
}

const sorted = (s: SampleSet): number[] => (s.kind === 'raw' ? Array.from(s.values).sort((a, b) => a - b) : []);
const total = (s: SampleSet): number => (s.kind === 'raw' ? s.values.length : s.counts.reduce((a, b) => a + b, 0));
const statuses = (w: MetricWindows): string[] => analyze(w, settings).report.findings.map((f) => `${f.kind} ${f.service} ${f.subject} ${f.statistic}: ${f.status}`);

function expectSamePoints(w: MetricWindows, reference: MetricWindows): void {
  expect(w.latency.map((l) => `${l.service} ${l.endpoint}`)).toEqual(reference.latency.map((l) => `${l.service} ${l.endpoint}`));
  for (let i = 0; i < w.latency.length; i++) {
    expect(sorted(w.latency[i].before)).toEqual(sorted(reference.latency[i].before));
    expect(sorted(w.latency[i].after)).toEqual(sorted(reference.latency[i].after));
  }
  for (let i = 0; i < w.upstreams.length; i++) {
    expect([w.upstreams[i].before.calls, w.upstreams[i].before.retries, w.upstreams[i].after.calls, w.upstreams[i].after.retries]).toEqual([
      reference.upstreams[i].before.calls,
      reference.upstreams[i].before.retries,
      reference.upstreams[i].after.calls,
      reference.upstreams[i].after.retries,
    ]);
  }
  expect(w.baseline).toEqual(reference.baseline);
}

beforeAll(async () => {
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-influx-v1-baselines-'));
  files.cohort = await writeFile('rollout.lp', { upgradeAt, before: { start: upgradeAt - HOUR, stop: upgradeAt }, after, seed: 5, scale: 0.5, rollout: true });
  files.seasonal = await writeFile('seasonal.lp', { upgradeAt, before: seasonalQuery.before, after, references, seed: 6, scale: 0.5 });
  await loadLineProtocolFile(url, dbs.cohort, files.cohort);
  await loadLineProtocolFile(url, dbs.seasonal, files.seasonal);
  files.history = await writeFile('history.lp', { upgradeAt, before: { start: week[6].start, stop: week[0].stop }, after, references: week, seed: 7, scale: 0.25 });
  await loadLineProtocolFile(url, dbs.history, files.history);
}, 180_000);

afterAll(async () => {
  for (const db of Object.values(dbs)) await influxQuery(url, `DROP DATABASE "${db}"`);
  await rm(tmpDir, { recursive: true, force: true });
});

describe('InfluxV1Source with a cohort baseline (GROUP BY the cohort tag)', () => {
  it('raw mode: exactly the file source\'s flag-off and flag-on points of the after window, the same findings', async () => {
    const reference = await fileSource(files.cohort).fetch(cohortQuery);
    const w = await source(dbs.cohort, { requests: 'raw', upstreams: 'raw' }).fetch(cohortQuery);
    expectSamePoints(w, reference);
    expect(w.baseline).toMatchObject({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['backoff-v2'], untagged: 0 });
    const checkout = w.latency.find((l) => l.endpoint === '/checkout')!;
    // 10 % flag-on for the first hour, 50 % for the second: about 30 % of the window.
    const share = total(checkout.after) / (total(checkout.after) + total(checkout.before));
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    expect(statuses(w)).toEqual(statuses(reference));
    expect(analyze(w, settings).report.findings.find((f) => f.subject === 'payments-api' && f.statistic === 'retries_per_call')?.status).toBe('regression');
  });

  it('aggregated mode: the same counts per cohort and the same verdict', async () => {
    const reference = await fileSource(files.cohort).fetch(cohortQuery);
    const w = await source(dbs.cohort, { requests: 'aggregated', upstreams: 'aggregated' }).fetch(cohortQuery);
    for (let i = 0; i < w.latency.length; i++) {
      expect([total(w.latency[i].before), total(w.latency[i].after)]).toEqual([total(reference.latency[i].before), total(reference.latency[i].after)]);
    }
    for (let i = 0; i < w.upstreams.length; i++) expect([w.upstreams[i].before.calls, w.upstreams[i].after.calls]).toEqual([reference.upstreams[i].before.calls, reference.upstreams[i].after.calls]);
    expect(w.baseline).toEqual(reference.baseline);
    expect(analyze(w, settings).report.verdict).toBe(analyze(reference, settings).report.verdict);
  });
});

describe('InfluxV1Source with a seasonal baseline (the reference periods, not the days between)', () => {
  it('raw mode: exactly the file source\'s points of the three reference days, each a cluster, the same findings', async () => {
    const reference = await fileSource(files.seasonal).fetch(seasonalQuery);
    const w = await source(dbs.seasonal, { requests: 'raw', upstreams: 'raw' }).fetch(seasonalQuery);
    expectSamePoints(w, reference);
    // The reference periods' values in time order of the periods, whichever period's pull ends first.
    const again = await source(dbs.seasonal, { requests: 'raw', upstreams: 'raw' }).fetch(seasonalQuery);
    expect(again).toEqual(w);
    expect(w.baseline).toMatchObject({ kind: 'seasonal', periodMs: DAY, references });
    const report = analyze(w, settings).report;
    expect(report.baseline).toMatchObject({ kind: 'seasonal', periods: 3, used: 3 });
    expect(statuses(w)).toEqual(statuses(reference));
  });

  it('aggregated mode: the same counts and verdict; a reference day without data is reported missing, not fatal', async () => {
    const reference = await fileSource(files.seasonal).fetch(seasonalQuery);
    const w = await source(dbs.seasonal, { requests: 'aggregated', upstreams: 'aggregated' }).fetch(seasonalQuery);
    for (let i = 0; i < w.latency.length; i++) expect(total(w.latency[i].before)).toBe(total(reference.latency[i].before));
    expect(analyze(w, settings).report.verdict).toBe(analyze(reference, settings).report.verdict);
    // A fourth, empty day: read, found empty, reported.
    const four = [...references, { start: after.start - 4 * DAY, stop: after.stop - 4 * DAY }];
    const q: MetricQuery = { ...seasonalQuery, before: { start: four[3].start, stop: four[0].stop }, baseline: { kind: 'seasonal', periodMs: DAY, references: four } };
    const r = analyze(await source(dbs.seasonal, { requests: 'raw', upstreams: 'raw' }).fetch(q), settings).report;
    expect(r.baseline).toMatchObject({ kind: 'seasonal', periods: 4, used: 3 });
    expect(r.warnings.some((x) => /reference period 4 .* has no data/.test(x))).toBe(true);
  });
});

describe('InfluxV1Source with a seasonal baseline and a variance history (3 baseline days, the variation over 8)', () => {
  const dfs = (w: MetricWindows) => new Set(analyze(w, settings).report.findings.map((f) => /rao-scott t, (\d+) df/.exec(f.test ?? '')?.[1]).filter((x) => x !== undefined));
  it("raw mode: every period's points as the file source has them, the baseline the 3 newest, 6 df from the 7 days with data", async () => {
    const reference = await fileSource(files.history).fetch(historyQuery);
    const w = await source(dbs.history, { requests: 'raw', upstreams: 'raw' }).fetch(historyQuery);
    expectSamePoints(w, reference);
    expect(w.baseline).toMatchObject({ kind: 'seasonal', levelPeriods: 3, references: eight });
    const report = analyze(w, settings).report;
    expect(report.baseline).toMatchObject({ kind: 'seasonal', periods: 3, used: 3, variancePeriods: 8, varianceUsed: 7 });
    expect(report.warnings.filter((x) => /older variance periods have no data/.test(x))).toEqual([
      'seasonal baseline: 1 of the 5 older variance periods have no data (8 (2026-11-12T14:00:00.000Z)); the period-to-period variation is measured over 7 of 8 periods',
    ]);
    expect(statuses(w)).toEqual(statuses(reference));
    expect(dfs(w)).toEqual(new Set(['6']));
  }, 120_000);

  it('aggregated mode: the same counts per period, the same verdict, the same 6 df', async () => {
    const reference = await fileSource(files.history).fetch(historyQuery);
    const w = await source(dbs.history, { requests: 'aggregated', upstreams: 'aggregated' }).fetch(historyQuery);
    for (let i = 0; i < w.latency.length; i++) expect(total(w.latency[i].before)).toBe(total(reference.latency[i].before));
    expect(analyze(w, settings).report.verdict).toBe(analyze(reference, settings).report.verdict);
    expect(analyze(w, settings).report.baseline).toMatchObject({ periods: 3, variancePeriods: 8, varianceUsed: 7 });
    expect(dfs(w)).toEqual(new Set(['6']));
  }, 120_000);
});
