import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { buildCharts, findChart, slug } from '../../src/charts/chart-catalog.ts';
import { logTickValues } from '../../src/charts/chart-style.ts';
import { thinTimeline } from '../../src/charts/timeline-chart.ts';
import { manyEndpointsResult, regressionResult } from './fixtures.ts';

function compileWarnings(spec: unknown): string[] {
  const warnings: string[] = [];
  const logger = {
    level: () => logger, error: (m: unknown) => { warnings.push(`error ${String(m)}`); return logger; },
    warn: (...m: unknown[]) => { warnings.push(m.map(String).join(' ')); return logger; }, info: () => logger, debug: () => logger,
  };
  compile(spec as never, { logger: logger as never });
  return warnings;
}

describe('chart catalog', () => {
  const result = regressionResult();
  const charts = buildCharts(result);

  it('gives every chart a unique URL-safe name, a title and alt text', () => {
    const names = charts.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of charts) {
      expect(c.name).toMatch(/^[a-z0-9-]+$/);
      expect(c.title.length).toBeGreaterThan(10);
      expect(c.description.length).toBeGreaterThan(40);
    }
  });

  it('has the distribution, percentile and over-time charts of each endpoint and the retry and backoff charts of each upstream', () => {
    const names = new Set(charts.map((c) => c.name));
    for (const e of ['checkout', 'cart', 'search', 'product-id', 'admin-export']) {
      for (const kind of ['latency-distribution', 'latency-percentiles', 'latency-over-time']) expect(names).toContain(`${kind}--shop--${e}`);
    }
    for (const u of ['payments-api', 'inventory-api']) {
      expect(names).toContain(`retries-over-time--shop--${u}`);
      expect(names).toContain(`backoff-distribution--shop--${u}`);
    }
    for (const o of ['latency-change-overview', 'latency-over-time-all', 'latency-distribution-all', 'retries-over-time-all', 'backoff-distribution-all']) expect(names).toContain(o);
  });

  it('lists regressed subjects first and marks them', () => {
    const regressed = charts.filter((c) => c.subject && c.regressed).map((c) => c.subject!.name);
    expect(new Set(regressed)).toEqual(new Set(['/checkout', 'payments-api']));
    expect(charts[0].regressed).toBe(true);
    expect(findChart(result, 'latency-percentiles--shop--cart')?.regressed).toBe(false);
  });

  it('compiles every spec without a Vega-Lite warning', () => {
    for (const c of [...charts, ...buildCharts(manyEndpointsResult(50))]) expect(compileWarnings(c.spec), c.name).toEqual([]);
  });

  it('uses before = blue and after = vermillion (Okabe-Ito) on every window chart', () => {
    const text = JSON.stringify(findChart(result, 'latency-distribution--shop--checkout')!.spec);
    expect(text).toContain('"range":["#0072B2","#D55E00"]');
  });

  it('marks the upgrade on over-time charts with a labelled rule', () => {
    const spec = JSON.stringify(findChart(result, 'latency-over-time--shop--checkout')!.spec);
    expect(spec).toContain(`"datum":${Date.parse(result.report.upgradeAt)}`);
    expect(spec).toContain('Upgrade 14:00 UTC');
  });

  it('keeps 50 endpoints legible: one overview row per endpoint, small multiples wrapped in columns', () => {
    const many = buildCharts(manyEndpointsResult(50));
    const overview = many.find((c) => c.name === 'latency-change-overview')!.spec as { spec: { height: number } };
    expect(overview.spec.height).toBe(50 * 20);
    const multiples = many.find((c) => c.name === 'latency-over-time-all')!.spec as { columns: number };
    expect(multiples.columns).toBe(4);
    expect(many.filter((c) => c.kind === 'latency-distribution')).toHaveLength(50);
  });

  it('works with a single endpoint and no upstream (no small multiples of one panel)', () => {
    const one = manyEndpointsResult(1);
    one.series.upstreams = [];
    one.report.findings = one.report.findings.filter((f) => f.kind === 'tail_latency');
    const kinds = buildCharts(one).map((c) => c.kind);
    expect(kinds).toEqual(['latency-distribution', 'latency-percentiles', 'latency-over-time', 'latency-change-overview']);
  });

  it('skips charts for empty windows instead of drawing empty axes', () => {
    const r = manyEndpointsResult(2);
    r.series.latency[1].before = { probs: [0.5], values: [null], n: 0 };
    r.series.latency[1].after = { probs: [0.5], values: [null], n: 0 };
    delete r.series.latency[1].timeline;
    expect(buildCharts(r).map((c) => c.name)).not.toContain('latency-distribution--catalog--api-v1-resource-02');
  });

  it('draws percentile charts and the overview from a report without its series', () => {
    const bare = { report: result.report, series: { latency: [], upstreams: [] } };
    const kinds = buildCharts(bare).map((c) => c.name);
    expect(kinds).toContain('latency-percentiles--shop--checkout');
    expect(kinds).toContain('latency-change-overview');
    expect(kinds.filter((k) => k.startsWith('latency-distribution'))).toEqual([]);
  });

  it('makes slugs from paths and de-duplicates colliding names', () => {
    expect(slug('/api/v1/checkout')).toBe('api-v1-checkout');
    expect(slug('/')).toBe('root');
    const r = manyEndpointsResult(2);
    r.series.latency[0].endpoint = '/a/b';
    r.series.latency[1].endpoint = '/a-b';
    r.series.latency[1].service = r.series.latency[0].service;
    const names = buildCharts(r).map((c) => c.name).filter((n) => n.startsWith('latency-distribution--'));
    expect(names).toEqual(['latency-distribution--shop--a-b', 'latency-distribution--shop--a-b-2']);
  });

  it('thins small-multiple lines to the highest value per step, keeping spikes', () => {
    const rows = Array.from({ length: 240 }, (_, i) => ({ subject: 'a', t: i, window: 'w', series: 'p99', value: i === 123 ? 999 : 1 }));
    const thin = thinTimeline(rows, 100);
    expect(thin.step).toBe(3);
    expect(thin.rows).toHaveLength(80);
    expect(thin.rows.filter((r) => r.value === 999)).toEqual([{ subject: 'a', t: 123, window: 'w', series: 'p99', value: 999 }]);
    expect(thinTimeline(rows.slice(0, 50), 100)).toEqual({ rows: rows.slice(0, 50), step: 1 });
    const many = buildCharts(manyEndpointsResult(3)).find((c) => c.name === 'latency-over-time-all')!;
    expect((many.spec as { title: { subtitle: string } }).title.subtitle).toContain('highest p99 of every 2 intervals');
  });

  it('puts log ticks on a 1-2-5 ladder', () => {
    expect(logTickValues(35, 2100)).toEqual([50, 100, 200, 500, 1000, 2000]);
    expect(logTickValues(180, 260)).toEqual([200, 250]);
    expect(logTickValues(0, 10)).toEqual([]);
  });
});
