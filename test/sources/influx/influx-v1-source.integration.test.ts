/**
 * InfluxV1Source against a real InfluxDB 1.x (Debian influxd, started by test/setup/influxdb.global.ts).
 * The seeded demo telemetry is written to a line-protocol file; the file source reads that file and the
 * same file is loaded into InfluxDB through /write. Raw mode must match the file source exactly (samples,
 * findings, verdict); aggregated mode within the stated bucket resolution and with the same verdict.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.ts';
import { analysisSettings, loadConfig } from '../../../src/config.ts';
import { influxSettingsFromUrl, type Influx1Settings, type MetricMode } from '../../../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import { LineProtocolFileSource } from '../../../src/sources/line-protocol/file-source.ts';
import { writeDemoLineProtocol } from '../../../src/sources/demo/demo-telemetry.ts';
import type { AnalysisResult, MetricWindows, SampleSet } from '../../../src/analysis/types.ts';
import { freePort, startInfluxd, type InfluxdInstance } from '../../setup/influxdb.global.ts';
import { InfluxFaultProxy } from './influx-fault-proxy.ts';
import { failure, influxQuery, loadDemo, loadLineProtocolFile, uniqueDbName, writeLines, hourQuery, HOUR, TEST_UPGRADE_AT } from './influx-test-helpers.ts';

const url = inject('influxUrl');
const config = loadConfig();
const settings = analysisSettings(config);
const upgradeAt = TEST_UPGRADE_AT;
const query = hourQuery;
const DEMO = { seed: 11, scale: 0.5 };
const db = uniqueDbName('aftershock_v1');
let tmpDir: string;
let reference: MetricWindows;
let referenceResult: AnalysisResult;

function source(modes: { requests: MetricMode; upstreams: MetricMode }, spec = `influx1+${url}/${db}`): InfluxV1Source {
  const s = influxSettingsFromUrl(spec, config, {}) as Influx1Settings;
  s.modes = modes;
  s.retry = { ...s.retry, minDelayMs: 10, maxDelayMs: 50 };
  return new InfluxV1Source(s);
}

const sorted = (s: SampleSet): number[] => (s.kind === 'raw' ? Array.from(s.values).sort((a, b) => a - b) : []);
const total = (s: SampleSet): number => (s.kind === 'raw' ? s.values.length : s.counts.reduce((a, b) => a + b, 0));
const statuses = (r: AnalysisResult): string[] => r.report.findings.map((f) => `${f.kind} ${f.service} ${f.subject} ${f.statistic}: ${f.status}`);

/** Bucket of the exact q-quantile must match the bucket of the histogram's q-quantile. */
function histogramQuantileBucket(s: SampleSet, q: number): [number, number] {
  if (s.kind !== 'histogram') throw new Error('expected a histogram');
  const n = total(s);
  const rank = Math.ceil(q * n);
  let seen = 0;
  for (let i = 0; i < s.counts.length; i++) {
    seen += s.counts[i];
    if (seen >= rank) return [i === 0 ? (s.lowerBound ?? 0) : s.upperBounds[i - 1], s.upperBounds[i]];
  }
  throw new Error('rank beyond the histogram');
}

beforeAll(async () => {
  const q = query();
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-influx-v1-'));
  const file = path.join(tmpDir, 'demo.lp');
  const out = createWriteStream(file);
  await writeDemoLineProtocol(out, { upgradeAt, before: q.before, after: q.after, ...DEMO });
  out.end();
  await finished(out);
  await loadLineProtocolFile(url, db, file);
  reference = await new LineProtocolFileSource({ path: file, schema: config.schema, maxBadLineShare: 0, timelineIntervalMs: config.input.timelineIntervalMs }).fetch(q);
  referenceResult = analyze(reference, settings);
});

afterAll(async () => {
  await influxQuery(url, `DROP DATABASE "${db}"`);
  await rm(tmpDir, { recursive: true, force: true });
});

describe('InfluxV1Source on a real InfluxDB 1.x', () => {
  /** Raw windows must equal the file source's: same points, findings and verdict. */
  function expectSameAsFile(w: MetricWindows): void {
    expect(w.latency.map((l) => `${l.service} ${l.endpoint}`)).toEqual(reference.latency.map((l) => `${l.service} ${l.endpoint}`));
    for (let i = 0; i < w.latency.length; i++) {
      expect(sorted(w.latency[i].before)).toEqual(sorted(reference.latency[i].before));
      expect(sorted(w.latency[i].after)).toEqual(sorted(reference.latency[i].after));
    }
    for (let i = 0; i < w.upstreams.length; i++) {
      const [a, b] = [w.upstreams[i], reference.upstreams[i]];
      expect({ ...a.before, backoff: sorted(a.before.backoff) }).toEqual({ ...b.before, backoff: sorted(b.before.backoff) });
      expect({ ...a.after, backoff: sorted(a.after.backoff) }).toEqual({ ...b.after, backoff: sorted(b.after.backoff) });
    }
    expect(w.warnings).toEqual([]);
    const result = analyze(w, settings);
    expect(result.report.verdict).toBe(referenceResult.report.verdict);
    expect(statuses(result)).toEqual(statuses(referenceResult));
  }

  it('raw mode returns exactly the points the file source sees, hence the same findings and verdict (MessagePack answers)', async () => {
    const src = source({ requests: 'raw', upstreams: 'raw' });
    expectSameAsFile(await src.fetch(query()));
    // The default asks for MessagePack, and this influxd answers every query in it.
    expect(src.answersByFormat).toEqual({ msgpack: expect.any(Number), json: 0 });
    expect(src.answersByFormat.msgpack).toBeGreaterThan(0);
  });

  it('format json: the same points from JSON answers', async () => {
    const s = influxSettingsFromUrl(`influx1+${url}/${db}`, config, {}) as Influx1Settings;
    const src = new InfluxV1Source({ ...s, format: 'json', modes: { requests: 'raw', upstreams: 'raw' } });
    expectSameAsFile(await src.fetch(query()));
    expect(src.answersByFormat).toEqual({ msgpack: 0, json: expect.any(Number) });
  });

  it('a proxy that does not pass MessagePack on: JSON answers to a MessagePack request are read, the same points', async () => {
    const proxy = new InfluxFaultProxy(url);
    proxy.jsonOnly = true;
    await proxy.start();
    try {
      const src = source({ requests: 'raw', upstreams: 'raw' }, `influx1+${proxy.url}/${db}`);
      expectSameAsFile(await src.fetch(query()));
      expect(src.answersByFormat.msgpack).toBe(0);
      expect(src.answersByFormat.json).toBeGreaterThan(0);
      expect(proxy.answerTypes.every((t) => t.startsWith('application/json'))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('aggregated mode: same counts, quantiles in the same fixed bucket as the exact ones', async () => {
    const src = source({ requests: 'aggregated', upstreams: 'aggregated' });
    const w = await src.fetch(query());
    expect(w.latency.length).toBe(reference.latency.length);
    for (let i = 0; i < w.latency.length; i++) {
      for (const side of ['before', 'after'] as const) {
        const h = w.latency[i][side];
        const exact = sorted(reference.latency[i][side]);
        expect(total(h)).toBe(exact.length);
        for (const q of [0.5, 0.9, 0.99]) {
          const [lo, hi] = histogramQuantileBucket(h, q);
          const x = exact[Math.ceil(q * exact.length) - 1];
          expect(x).toBeGreaterThan(lo);
          expect(x).toBeLessThanOrEqual(hi);
          // the stated resolution: one bucket of the 20-per-decade grid is 12.2 % wide
          expect(hi / lo).toBeLessThan(1.123);
        }
      }
    }
    for (let i = 0; i < w.upstreams.length; i++) {
      const [a, b] = [w.upstreams[i], reference.upstreams[i]];
      expect([a.before.calls, a.before.retries, a.before.exhausted]).toEqual([b.before.calls, b.before.retries, b.before.exhausted]);
      expect([a.after.calls, a.after.retries, a.after.exhausted]).toEqual([b.after.calls, b.after.retries, b.after.exhausted]);
      expect(total(a.after.backoff)).toBe(total(b.after.backoff));
    }
    expect(w.warnings).toEqual([]);
    const result = analyze(w, settings);
    // the demo's story: the payments-api backoff change makes /checkout's tail regress → fail
    expect(referenceResult.report.verdict).toBe('fail');
    expect(result.report.verdict).toBe(referenceResult.report.verdict);
    const regressions = (r: AnalysisResult): string[] => statuses(r).filter((x) => x.endsWith('regression'));
    expect(regressions(result)).toEqual(regressions(referenceResult));
    // findings from histograms state the bucket resolution: (hi − lo) / hi = 1 − 10^(−1/20) on this grid
    const tail = result.report.findings.filter((x) => x.kind === 'tail_latency' && x.status !== 'insufficient_data');
    expect(tail.length).toBeGreaterThan(0);
    for (const f of tail) expect(f.resolution).toBeCloseTo(1 - 10 ** (-1 / 20), 9);
  });

  it('auto mode switches to aggregated above the threshold and stays raw below it', async () => {
    const big = source({ requests: 'auto', upstreams: 'auto' });
    const s = influxSettingsFromUrl(`influx1+${url}/${db}`, config, {}) as Influx1Settings;
    await big.fetch(query());
    expect(big.lastOutcome).toEqual({ requests: 'raw', upstreams: 'raw' });
    const small = new InfluxV1Source({ ...s, autoThreshold: 1000 });
    await small.fetch(query());
    expect(small.lastOutcome).toEqual({ requests: 'aggregated', upstreams: 'aggregated' });
  });

  it('neutralises an injection attempt in a tag value (and still finds a service with quotes in its name)', async () => {
    const evilDb = uniqueDbName('aftershock_evil');
    await influxQuery(url, `CREATE DATABASE "${evilDb}"`);
    try {
      const t = (upgradeAt - 10 * 60_000) * 1e6;
      const t2 = (upgradeAt + 10 * 60_000) * 1e6;
      await writeLines(url, evilDb, [
        `http_request,service=shop,endpoint=/a duration_ms=10 ${t}`,
        `http_request,service=shop,endpoint=/a duration_ms=11 ${t2}`,
        `http_request,service=x'\\ OR\\ 1\\=1\\ --,endpoint=/b duration_ms=20 ${t}`,
        `http_request,service=x'\\ OR\\ 1\\=1\\ --,endpoint=/b duration_ms=21 ${t2}`,
      ].join('\n'));
      const s = source({ requests: 'raw', upstreams: 'off' }, `influx1+${url}/${evilDb}`);
      // The whole text is one tag value: only the series literally named so matches, not everything.
      const w = await s.fetch(query({ services: ["x' OR 1=1 --"] }));
      expect(w.latency.map((l) => l.service)).toEqual(["x' OR 1=1 --"]);
      const e = await failure(s.fetch(query({ services: ['shop\') OR "service" =~ /.*/ --', '"); DROP DATABASE "x'] })));
      expect(e.code).toBe('NOT_FOUND');
      expect(e.message).toContain('no data in the before window');
      // and the database is still there
      const dbs = JSON.stringify(await influxQuery(url, 'SHOW DATABASES'));
      expect(dbs).toContain(evilDb);
    } finally {
      await influxQuery(url, `DROP DATABASE "${evilDb}"`);
    }
  });

  it('unknown database → NOT_FOUND naming host:port and db', async () => {
    const e = await failure(source({ requests: 'raw', upstreams: 'raw' }, `influx1+${url}/no_such_db`).fetch(query()));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/InfluxDB 1\.x at 127\.0\.0\.1:\d+ db "no_such_db".*database not found/);
  });

  it('missing measurement → NOT_FOUND naming it', async () => {
    const e = await failure(source({ requests: 'raw', upstreams: 'preaggregated' }).fetch(query()));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('measurement "upstream_calls_total" not found');
  });

  it('empty window → NOT_FOUND naming the window', async () => {
    const far = upgradeAt + 48 * HOUR;
    const e = await failure(
      source({ requests: 'raw', upstreams: 'raw' }).fetch(query({ upgradeAt: far, before: { start: far - HOUR, stop: far }, after: { start: far, stop: far + HOUR } })),
    );
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(`no data in the before window ${new Date(far - HOUR).toISOString()}`);
  });

  it('unreachable port → UPSTREAM after bounded retries', async () => {
    const logs: string[] = [];
    const port = await freePort();
    const e = await failure(source({ requests: 'raw', upstreams: 'raw' }, `influx1+http://127.0.0.1:${port}/x`).fetch(query({ log: (m) => logs.push(m) })));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toContain(`InfluxDB 1.x at 127.0.0.1:${port} db "x": checking measurements: failed after 4 attempts`);
    expect(e.message).toContain('ECONNREFUSED');
    expect(logs.filter((m) => m.includes('retrying'))).toHaveLength(3);
  });

  it('pre-aggregated le buckets and per-interval counters are accepted', async () => {
    const pdb = uniqueDbName('aftershock_pre');
    await influxQuery(url, `CREATE DATABASE "${pdb}"`);
    try {
      const lines: string[] = [];
      for (const [t, scale] of [[upgradeAt - 30 * 60_000, 1], [upgradeAt + 30 * 60_000, 2]] as const) {
        const ns = t * 1e6;
        for (const [le, c] of [['100', 10], ['250', 40], ['500', 48], ['+Inf', 50]] as const) {
          lines.push(`http_request_duration_ms_bucket,service=shop,endpoint=/checkout,le=${le} count=${c * scale} ${ns}`);
        }
        lines.push(`upstream_calls_total,service=shop,upstream=payments-api requests=${100 * scale},retries=${5 * scale},exhausted=${scale} ${ns}`);
      }
      // a bucket whose le is not a number is skipped with a warning on the windows, not silently
      lines.push(`http_request_duration_ms_bucket,service=shop,endpoint=/checkout,le=abc count=7 ${(upgradeAt - 30 * 60_000) * 1e6}`);
      await writeLines(url, pdb, lines.join('\n'));
      const w = await source({ requests: 'preaggregated', upstreams: 'preaggregated' }, `influx1+${url}/${pdb}`).fetch(query());
      // blockCells: both intervals lie 30 minutes into their window, so in its one-minute block 30.
      const cells = (count: number[]) => ({ block: Uint32Array.from([30, 30, 30, 30]), bucket: Uint32Array.from([0, 1, 2, 3]), count: Float64Array.from(count) });
      expect(w.latency[0].before).toEqual({ kind: 'histogram', upperBounds: Float64Array.from([100, 250, 500, Infinity]), counts: Float64Array.from([10, 30, 8, 2]), blockCells: cells([10, 30, 8, 2]) });
      expect(w.latency[0].after).toEqual({ kind: 'histogram', upperBounds: Float64Array.from([100, 250, 500, Infinity]), counts: Float64Array.from([20, 60, 16, 4]), blockCells: cells([20, 60, 16, 4]) });
      expect(w.upstreams[0].after).toMatchObject({ calls: 200, retries: 10, exhausted: 2 });
      expect(w.warnings).toEqual([expect.stringMatching(/db "aftershock_pre_.*histogram buckets \(tag "le" not a number or \+Inf\): skipped 1 row/)]);
    } finally {
      await influxQuery(url, `DROP DATABASE "${pdb}"`);
    }
  });
});

describe('InfluxV1Source against dedicated servers', () => {
  let authServer: InfluxdInstance;
  beforeAll(async () => {
    authServer = await startInfluxd({ admin: { user: 'admin', password: 'right-pass' } });
  });
  afterAll(async () => {
    await authServer?.stop();
  });

  it('wrong credentials → UNAUTHORIZED without the password in the message; right ones work', async () => {
    const basic = `Basic ${Buffer.from('admin:right-pass').toString('base64')}`;
    const adb = uniqueDbName('aftershock_auth');
    const q = query();
    await loadDemo(authServer.url, adb, { upgradeAt, before: q.before, after: q.after, seed: 3, scale: 0.05 }, basic);
    const wrong = `influx1+http://admin:wrong-pass@${authServer.url.slice('http://'.length)}/${adb}`;
    const e = await failure(source({ requests: 'raw', upstreams: 'raw' }, wrong).fetch(q));
    expect(e.code).toBe('UNAUTHORIZED');
    expect(e.message).not.toContain('wrong-pass');
    const s = influxSettingsFromUrl(`influx1+${authServer.url}/${adb}`, config, { INFLUX_USER: 'admin', INFLUX_PASSWORD: 'right-pass' });
    const w = await new InfluxV1Source(s as Influx1Settings).fetch(q);
    expect(w.latency.length).toBeGreaterThan(0);
    expect(JSON.stringify({ source: w.source, warnings: w.warnings })).not.toContain('right-pass');
  });

  it('a server that dies mid-stream → retried, then UPSTREAM naming the server', async () => {
    const victim = await startInfluxd();
    const vdb = uniqueDbName('aftershock_victim');
    const q = query();
    await loadDemo(victim.url, vdb, { upgradeAt, before: q.before, after: q.after, seed: 5, scale: 0.5 });
    const s = influxSettingsFromUrl(`influx1+${victim.url}/${vdb}`, config, {}) as Influx1Settings;
    const src = new InfluxV1Source({ ...s, modes: { requests: 'raw', upstreams: 'raw' }, chunkSize: 100, retry: { ...s.retry, retries: 2, minDelayMs: 20, maxDelayMs: 50 } });
    const logs: string[] = [];
    let killed = false;
    const e = await failure(
      src.fetch({
        ...q,
        log: (m) => logs.push(m),
        onProgress: () => {
          // after the measurement check and the first window: kill the server while the next stream runs
          if (!killed) {
            killed = true;
            setTimeout(() => victim.process.kill('SIGKILL'), 5);
          }
        },
      }),
    );
    await victim.stop();
    expect(logs.some((m) => m.includes('retrying'))).toBe(true);
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/InfluxDB 1\.x at 127\.0\.0\.1:\d+ db "aftershock_victim.*failed after 3 attempts/);
  });
});
