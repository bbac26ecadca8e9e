/**
 * PrometheusSource against a real Prometheus 2.42 (test/setup/prometheus.global.ts: temporary TSDB backfilled
 * with promtool from the seeded scenario of prom-scenario.ts). The file source reads the same scenario as raw
 * line protocol (one point per request, ms); the Prometheus source reads what two instances per service exported
 * as classic histograms in seconds with a counter reset. Verdicts and finding statuses must agree, quantiles
 * within one bucket, counts exactly (the scrapes fall on the interval edges, so increase() does not extrapolate).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.ts';
import type { AnalysisResult, MetricWindows, SampleSet } from '../../../src/analysis/types.ts';
import { analysisSettings, loadConfig } from '../../../src/config.ts';
import { LineProtocolFileSource } from '../../../src/sources/line-protocol/file-source.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';
import { prometheusSettings, prometheusSettingsFromUrl, type PrometheusSettings } from '../../../src/sources/prometheus/prometheus-config.ts';
import { PrometheusSource } from '../../../src/sources/prometheus/prometheus-source.ts';
import { createSource } from '../../../src/sources/resolve-source.ts';
import { freePort } from '../../setup/influxdb.global.ts';
import { failure } from '../influx/influx-test-helpers.ts';
import { FaultProxy } from './fault-proxy.ts';
import { LATENCY_LE_S, UPGRADE_AT, WINDOWS } from './prom-scenario.ts';

const url = inject('prometheusUrl');
const lpFile = inject('prometheusScenarioLp');
const config = loadConfig();
const settings = analysisSettings(config);
const query = (extra: Partial<MetricQuery> = {}): MetricQuery => ({ upgradeAt: UPGRADE_AT, before: WINDOWS.before, after: WINDOWS.after, ...extra });
const fast = (s: PrometheusSettings): PrometheusSettings => ({ ...s, retry: { ...s.retry, minDelayMs: 10, maxDelayMs: 50 } });
const prom = (extra: Record<string, unknown> = {}, at = url): PrometheusSource =>
  new PrometheusSource(fast(prometheusSettings({ kind: 'prometheus', url: at, ...extra }, config, 'config sources.prom', {})));
const file = (q: MetricQuery): Promise<MetricWindows> =>
  new LineProtocolFileSource({ path: lpFile, schema: config.schema, maxBadLineShare: 0, timelineIntervalMs: config.input.timelineIntervalMs }).fetch(q);

const total = (s: SampleSet): number => (s.kind === 'raw' ? s.values.length : s.counts.reduce((a, b) => a + b, 0));
const statuses = (r: AnalysisResult): string[] => r.report.findings.map((f) => `${f.kind} ${f.service} ${f.subject} ${f.statistic}: ${f.status}`).sort();
const EDGES_MS = LATENCY_LE_S.map((le) => le * 1000);
const bucketOf = (ms: number): number => EDGES_MS.findIndex((e) => ms <= e);

describe('PrometheusSource against a real Prometheus', () => {
  const scenarios = [
    { name: 'regression (shop)', services: ['shop'], verdict: 'fail' },
    { name: 'no change (cart)', services: ['cart'], verdict: 'pass' },
  ];
  for (const sc of scenarios) {
    it(`${sc.name}: the same verdict and statuses as the file source, quantiles within one bucket, counts exact`, async () => {
      const q = query({ services: sc.services });
      const [pw, fw] = await Promise.all([createSource(`prom+${url}`, config).fetch(q), file(q)]);
      const pr = analyze(pw, settings);
      const fr = analyze(fw, settings);
      expect(fr.report.verdict).toBe(sc.verdict);
      expect(pr.report.verdict).toBe(fr.report.verdict);
      // Where the statuses differ, only because adjacent buckets of the exported histogram cannot resolve the change
      // beyond the tolerance (the finding says so); never a regression the raw data does not show.
      const raw = new Map(fr.report.findings.map((f) => [`${f.kind} ${f.statistic}`, f]));
      for (const f of pr.report.findings) {
        const g = raw.get(`${f.kind} ${f.statistic}`)!;
        if (f.status === g.status) continue;
        expect([f.kind, f.status, g.status]).toEqual(['tail_latency', 'no_change', 'regression']);
        expect(f.reason).toMatch(/cannot tell it from the tolerance/);
      }
      expect(statuses(pr).length).toBe(statuses(fr).length);
      // Per-interval histograms with their time blocks (the clustered inference's input), in ms.
      const lat = pw.latency[0];
      expect(lat.before.kind).toBe('histogram');
      if (lat.before.kind === 'histogram') {
        expect(Array.from(lat.before.upperBounds)).toEqual(EDGES_MS.map((e) => Number(e.toPrecision(15))));
        expect(new Set(lat.before.blockCells!.block).size).toBe(60);
      }
      // Exact counts: every request and call the processes served (across the restart of shop/b).
      for (const w of ['before', 'after'] as const) {
        expect(total(lat[w])).toBe(total(fw.latency[0][w]));
        expect(pw.upstreams[0][w]).toMatchObject({ calls: fw.upstreams[0][w].calls, retries: fw.upstreams[0][w].retries, exhausted: fw.upstreams[0][w].exhausted });
      }
      for (const f of pr.report.findings.filter((x) => x.kind === 'tail_latency')) {
        const g = fr.report.findings.find((x) => x.kind === f.kind && x.statistic === f.statistic)!;
        for (const side of ['before', 'after'] as const) {
          if (f[side] === null || g[side] === null) continue;
          expect(Math.abs(bucketOf(f[side]) - bucketOf(g[side])), `${f.statistic} ${side}: ${f[side]} vs ${g[side]}`).toBeLessThanOrEqual(1);
        }
      }
      expect(pw.source).toBe(`prometheus ${url}`);
    });
  }

  it('a range longer than maxPointsPerSeries is split into several query_range calls with the same result', async () => {
    const proxy = new FaultProxy({ host: '127.0.0.1', port: Number(new URL(url).port) });
    await proxy.start();
    try {
      const q = query({ services: ['shop'] });
      const whole = await prom().fetch(q);
      const split = await prom({ maxPointsPerSeries: 7 }, proxy.url).fetch(q);
      expect(split.latency[0].before).toEqual(whole.latency[0].before);
      expect(split.upstreams[0].after).toEqual(whole.upstreams[0].after);
    } finally {
      await proxy.stop();
    }
  });

  it('a summary instead of a histogram is reported with the statement that no interval or test is possible', async () => {
    const logs: string[] = [];
    const w = await prom({ schema: { requests: { histogram: 'legacy_duration_seconds_bucket' } } }).fetch(query({ services: ['shop'], log: (m) => logs.push(m) }));
    expect(w.latency).toHaveLength(0);
    expect(w.upstreams).toHaveLength(1);
    const note = w.warnings.find((m) => m.includes('summary'));
    // The scrape at the upgrade instant still reports the before gauge (it covers the 15 s before it).
    expect(note).toContain('shop /api q0.99: 190 ms before, 319.5 ms after');
    expect(note).toContain('no interval or test is possible');
    expect(logs).toContain(note);
  });

  it('the cohort label filters the series (no series carry variant="on" here → no data, naming it)', async () => {
    const e = await failure(prom({ cohort: 'on' }).fetch(query()));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(`Prometheus at 127.0.0.1:${new URL(url).port}: no data in the before window`);
    expect(e.message).toContain('variant="on"');
  });

  it('a cohort baseline groups by the cohort label: flag-off and flag-on series of the after window, as the file source splits them', async () => {
    const q = query({ services: ['canary'], before: WINDOWS.after, baseline: { kind: 'cohort', tag: 'variant', control: 'disabled' } });
    const logs: string[] = [];
    const [pw, fw] = await Promise.all([prom().fetch({ ...q, log: (m) => logs.push(m) }), file(q)]);
    expect(pw.baseline).toEqual({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['backoff-v2'], untagged: 0 });
    // The file source counts untagged lines only for the services its filter keeps (so none here either).
    expect(fw.baseline).toEqual(pw.baseline);
    // Exact counts per cohort: instance a is flag-off, instance b flag-on.
    for (const w of ['before', 'after'] as const) {
      expect(total(pw.latency[0][w])).toBe(total(fw.latency[0][w]));
      expect(pw.upstreams[0][w]).toMatchObject({ calls: fw.upstreams[0][w].calls, retries: fw.upstreams[0][w].retries, exhausted: fw.upstreams[0][w].exhausted });
    }
    expect(total(pw.latency[0].before)).toBeGreaterThan(1000);
    const pr = analyze(pw, settings).report;
    expect(pr.verdict).toBe(analyze(fw, settings).report.verdict);
    expect(pr.verdict).toBe('fail');
    expect(pr.findings.find((f) => f.subject === 'payments-api' && f.statistic === 'retries_per_call')?.status).toBe('regression');
    // The entry's label mapping holds: `variant` is schema.labels.cohort (here the default).
    const renamed = await failure(prom({ schema: { labels: { cohort: 'flag' } } }).fetch(q));
    expect(renamed.message).toMatch(/no point in the after window|no data/);
    // A cohort filter on the entry and a cohort baseline contradict each other.
    const both = await failure(prom({ cohort: 'disabled' }).fetch(q));
    expect(both.code).toBe('BAD_INPUT');
  });

  it('an unreachable server → UPSTREAM after bounded retries, naming the server and the PromQL', async () => {
    const port = await freePort();
    const e = await failure(createSource(`prom+http://127.0.0.1:${port}`, config).fetch(query()).catch((x: unknown) => Promise.reject(x)));
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toContain(`Prometheus at 127.0.0.1:${port}: request latency histogram (PromQL: sum by (service, endpoint, le) (increase(http_request_duration_seconds_bucket[60s]))): failed after 4 attempts`);
  }, 60_000);

  it('a prefix that is not the API → NOT_FOUND naming the server, the prefix and the PromQL, not retried', async () => {
    const e = await failure(createSource(`prom+${url}/nothing-here`, config).fetch(query()));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/^Prometheus at 127\.0\.0\.1:\d+\/nothing-here: request latency histogram \(PromQL: .*\): HTTP 404/);
  });
});

describe('PrometheusSource through a fault proxy', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = new FaultProxy({ host: '127.0.0.1', port: Number(new URL(url).port) });
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('an answer cut once mid-body is retried and gives the same windows', async () => {
    const q = query({ services: ['shop'] });
    const direct = await prom().fetch(q);
    proxy.fault = { kind: 'cut', afterBytes: 400, once: true };
    const logs: string[] = [];
    const w = await prom({}, proxy.url).fetch({ ...q, log: (m) => logs.push(m) });
    expect(proxy.faults).toBe(1);
    expect(logs.some((m) => m.includes('retrying'))).toBe(true);
    expect(w.latency[0].after).toEqual(direct.latency[0].after);
    expect(analyze(w, settings).report.verdict).toBe('fail');
  });

  it('answers always cut → UPSTREAM error, no verdict (never a wrong green)', async () => {
    proxy.fault = { kind: 'cut', afterBytes: 400 };
    const e = await failure(prom({ retries: 2 }, proxy.url).fetch(query({ services: ['shop'] })));
    proxy.fault = { kind: 'pass' };
    expect(e.code).toBe('UPSTREAM');
    expect(e.message).toMatch(/^Prometheus at 127\.0\.0\.1:\d+: request latency histogram \(PromQL: sum by \(service, endpoint, le\) \(increase\(http_request_duration_seconds_bucket\{service="shop"\}\[60s\]\)\)\): failed after 3 attempts/);
  });

  it('a stalled answer → the idle timeout, then the total deadline: TIMEOUT naming the server and the PromQL', async () => {
    proxy.fault = { kind: 'stall', afterBytes: 300 };
    const started = Date.now();
    const e = await failure(prom({ timeoutMs: 300, deadlineMs: 1500, retries: 10 }, proxy.url).fetch(query({ services: ['shop'] })));
    proxy.fault = { kind: 'pass' };
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('request latency histogram (PromQL: sum by');
    expect(e.message).toContain('total deadline of 1500 ms');
  });

  it('cancellation stops the fetch at once', async () => {
    proxy.fault = { kind: 'stall', afterBytes: 300 };
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 200);
    const e = await failure(prom({}, proxy.url).fetch(query({ services: ['shop'], signal: ctl.signal })));
    proxy.fault = { kind: 'pass' };
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toContain('cancelled');
  });
});

describe('prom+ URL', () => {
  it('needs nothing else and states its defaults', () => {
    const s = prometheusSettingsFromUrl('prom+http://127.0.0.1:9090/prefix/', config, {});
    expect(s.url.href).toBe('http://127.0.0.1:9090/prefix');
    expect(s.schema.requests).toEqual({ histogram: 'http_request_duration_seconds_bucket', unit: 's' });
    expect(s.ms).toEqual({ duration: 1000, backoff: 1000 });
  });
});
