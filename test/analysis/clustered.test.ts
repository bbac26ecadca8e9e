/**
 * Issue 10 on single, hand-checkable reports (the rates over many seeds are in test/calibration/): time blocks
 * change nothing for independent requests, clustered minutes widen tests and intervals, a short incident is found,
 * reported once and left out of the comparison, bursts in both windows are the subject's regime, and a coarse
 * histogram cannot make a change within its bucket a regression.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import type { MetricWindows, Report } from '../../src/analysis/types.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderMarkdown } from '../../src/report/markdown-report.ts';
import { WindowBuilder } from '../../src/sources/window-builder/window-builder.ts';
import { seededRandom } from '../../src/stats/seeded-random.ts';
import { defaultSettings } from './settings.ts';

const UP = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const MIN = 60_000;

interface World {
  seed: number;
  n?: number;
  /** Latency × exp(N(0, s)) shared per block of `blockMin` minutes. */
  blockMin?: number;
  s?: number;
  /** A 3-minute incident (25 % of requests 3× slower) starting 37 minutes into this window. */
  incident?: 'before' | 'after';
  /** Multiplies every after-window latency. */
  effect?: number;
}

function windows(w: World): MetricWindows {
  const rnd = seededRandom(w.seed);
  const b = new WindowBuilder({ upgradeAt: UP, before: { start: UP - 2 * H, stop: UP }, after: { start: UP, stop: UP + 2 * H }, timelineIntervalMs: MIN });
  const shifts = new Map<number, number>();
  for (const [start, name] of [[UP - 2 * H, 'before'], [UP, 'after']] as const) {
    for (let i = 0; i < (w.n ?? 20_000); i++) {
      const t = start + rnd.uniform() * 2 * H;
      let f = 1;
      if (w.s) {
        const block = Math.floor(t / ((w.blockMin ?? 1) * MIN));
        if (!shifts.has(block)) shifts.set(block, Math.exp(w.s * rnd.normal()));
        f = shifts.get(block)!;
      }
      let latency = 100 * Math.exp(0.5 * rnd.normal()) * f * (name === 'after' ? (w.effect ?? 1) : 1);
      const incStart = start + 37 * MIN;
      if (w.incident === name && t >= incStart && t < incStart + 3 * MIN && rnd.uniform() < 0.25) latency *= 3;
      b.addRequest('shop', '/checkout', t, latency);
    }
  }
  return b.build();
}

const settings = defaultSettings({ quantiles: [0.5, 0.9, 0.99] });
const find = (r: Report, statistic: string) => r.findings.find((f) => f.statistic === statistic)!;

/** The same windows without time blocks: what the analysis saw before issue 10. */
function withoutBlocks(w: MetricWindows): MetricWindows {
  return {
    ...w,
    blockMs: undefined,
    latency: w.latency.map((l) => ({ ...l, before: { kind: 'raw', values: l.before.kind === 'raw' ? l.before.values : new Float64Array(0) }, after: { kind: 'raw', values: l.after.kind === 'raw' ? l.after.values : new Float64Array(0) } })),
  };
}

describe('time-clustered inference (issue 10)', () => {
  it('changes nothing for independent requests where no excess variance is measured: same tests, same p-values, same intervals', () => {
    const w = windows({ seed: 11 });
    const clustered = analyze(w, settings).report;
    const plain = analyze(withoutBlocks(w), settings).report;
    let unchanged = 0;
    for (const f of clustered.findings) {
      const g = plain.findings.find((x) => x.statistic === f.statistic)!;
      if (f.details?.designEffectBefore === 1 && f.details?.designEffectAfter === 1) {
        unchanged++;
        expect(f.test).toBe(g.test);
        expect(f.pValue).toBe(g.pValue);
      }
      if (f.details?.ciDesignEffectBefore === 1 && f.details?.ciDesignEffectAfter === 1) expect(f.ci).toEqual(g.ci);
    }
    expect(unchanged).toBeGreaterThan(0);
    expect(clustered.verdict).toBe(plain.verdict);
  });

  it('widens test and interval when whole ten-minute stretches are slow or fast together', () => {
    const w = windows({ seed: 12, n: 50_000, blockMin: 10, s: 0.15 });
    const clustered = find(analyze(w, settings).report, 'p50');
    const plain = find(analyze(withoutBlocks(w), settings).report, 'p50');
    expect(Number(clustered.details?.designEffectAfter)).toBeGreaterThan(20);
    expect(clustered.test).toMatch(/rao-scott t, [\d.]+ df/);
    expect(clustered.pValue!).toBeGreaterThan(plain.pValue!);
    const width = (f: typeof clustered) => f.ci![1] - f.ci![0];
    expect(width(clustered)).toBeGreaterThan(3 * width(plain));
    expect(clustered.interval).toMatch(/Woodruff/);
  });

  it('reports a 3-minute incident in the after window once, as an incident, and judges what persists', async () => {
    const result = analyze(windows({ seed: 13, incident: 'after' }), settings);
    const { report } = result;
    expect(report.incidents).toHaveLength(1);
    // The scan places the burst to within a block: a neighbouring minute that is high by chance can join the run.
    expect(report.incidents![0]).toMatchObject({ window: 'after', service: 'shop', subject: '/checkout', start: '2026-11-20T14:37:00.000Z' });
    expect(report.incidents![0].stop).toMatch(/^2026-11-20T14:4[01]:00.000Z$/);
    expect(report.incidents![0].description).toMatch(/p99 ×\d/);
    expect(report.findings.some((f) => f.status === 'regression')).toBe(false);
    expect(report.verdict).toBe('warn');
    expect(report.summary).toMatch(/1 incident/);
    expect(report.warnings.some((m) => /incident in the after window 14:37–14:4[01] UTC: shop \/checkout/.test(m))).toBe(true);
    expect(renderMarkdown(report)).toMatch(/## Incidents \(1\)\n/);
    expect(await renderHtmlReport(result)).toMatch(/<h2>Incidents \(1\)<\/h2>/);
  });

  it('does not call an incident before the upgrade an improvement', () => {
    const { report } = analyze(windows({ seed: 14, incident: 'before' }), settings);
    expect(report.incidents?.map((i) => i.window)).toEqual(['before']);
    expect(report.findings.some((f) => f.status === 'improvement')).toBe(false);
  });

  it('still fails a persistent +20 % regression that also has an incident in it', () => {
    const { report } = analyze(windows({ seed: 15, incident: 'after', effect: 1.2 }), settings);
    expect(find(report, 'p99').status).toBe('regression');
    expect(report.verdict).toBe('fail');
  });
});

describe('histogram honesty (issue 10, item 3)', () => {
  // Coarse Prometheus-style buckets; the after window is 4 % slower, which no bucket edge can resolve.
  const EDGES = [10, 20, 50, 100, 200, 500, 1000, Infinity];
  function histogramWindows(seed: number, effect: number): MetricWindows {
    const rnd = seededRandom(seed);
    const b = new WindowBuilder({ upgradeAt: UP, before: { start: UP - 2 * H, stop: UP }, after: { start: UP, stop: UP + 2 * H }, timelineIntervalMs: MIN });
    for (const [start, mult] of [[UP - 2 * H, 1], [UP, effect]] as const) {
      for (let m = 0; m < 120; m++) {
        const counts = new Array<number>(EDGES.length).fill(0);
        for (let i = 0; i < 400; i++) {
          const v = 60 * Math.exp(0.6 * rnd.normal()) * mult;
          counts[EDGES.findIndex((e) => v <= e)]++;
        }
        let cum = 0;
        EDGES.forEach((le, k) => b.addHistogramBucket('shop', '/checkout', start + m * MIN, le, (cum += counts[k])));
      }
    }
    return b.build();
  }

  it('bounds quantile intervals by bucket edges and does not call a change within the bucket resolution a regression', () => {
    const { report } = analyze(histogramWindows(21, 1.04), settings);
    const p90 = find(report, 'p90');
    expect(p90.status).not.toBe('regression');
    // Both estimates lie in the (100, 200] bucket: the interval of each is bounded by its edges.
    expect(p90.beforeCi![0]).toBeLessThanOrEqual(100);
    expect(p90.beforeCi![1]).toBeGreaterThanOrEqual(200);
    expect(p90.resolution).toBeGreaterThan(0);
    expect(renderMarkdown(report)).toMatch(/bucket width/);
  });

  it('still calls a change beyond every placement in the buckets a regression', () => {
    // ×6 moves p90 from (100, 200] to (500, 1000]: even the closest placements differ by +150 %.
    const { report } = analyze(histogramWindows(22, 6), settings);
    const p90 = find(report, 'p90');
    expect(p90.status).toBe('regression');
    expect(p90.ci![0]).toBeGreaterThan(0.1);
  });

  it('does not claim more than the buckets tell: a tripling between adjacent buckets is significant but unresolved, and says so', () => {
    // ×3 moves p90 from (100, 200] to (200, 500]: a p90 of 200 before and just above 200 after fits both histograms.
    const { report } = analyze(histogramWindows(22, 3), settings);
    const p90 = find(report, 'p90');
    expect(p90.pValue!).toBeLessThan(1e-10);
    expect(p90.status).toBe('no_change');
    expect(p90.ci![0]).toBeLessThanOrEqual(0);
    expect(p90.ci![1]).toBeGreaterThanOrEqual(4 - 1e-9);
    expect(p90.reason).toMatch(/histogram buckets .* cannot tell it from the tolerance/);
    expect(p90.reason).toMatch(/bucket edges between/);
    expect(report.verdict).toBe('warn');
  });
});
