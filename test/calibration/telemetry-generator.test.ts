/**
 * The generator does what its header says: volumes, reproducibility over any time range, the cohort / histogram /
 * seasonal forms through the WindowBuilder, and the analytic truth (truth.ts) matches a large Monte-Carlo sample of
 * the generator itself (so "coverage against the truth" means what it says).
 */
import { describe, expect, it } from 'vitest';
import { BIG, COARSE_LE, DAILY_QUEUE, PAYMENTS, RETRIES_X2, SLOWEST_2_PLUS_12, block, scenario } from './families.ts';
import { DAY_MS, MINUTE_MS, expectedRetries, windowRange, type Scenario } from './scenario.ts';
import { buildWindows, cohortWindows, generateTelemetry, incidentStart, seasonalReferenceRange, seasonalWindows, type TelemetrySink } from './telemetry-generator.ts';
import { trueLatencyQuantile, trueRetryRates } from './truth.ts';

/** Collects the points of one endpoint and one upstream by window. */
function collector(s: Scenario, endpoint = BIG.endpoint, upstream = PAYMENTS.upstream) {
  const values = { before: [] as number[], after: [] as number[] };
  const times: number[] = [];
  const calls = { before: { n: 0, retries: 0, exhausted: 0 }, after: { n: 0, retries: 0, exhausted: 0 } };
  const sink: TelemetrySink = {
    addRequest: (_s, ep, t, v) => {
      if (ep === endpoint) {
        values[t >= s.upgradeAt ? 'after' : 'before'].push(v);
        times.push(t);
      }
      return true;
    },
    addUpstreamCall: (_s, up, t, attempts, _b, ok) => {
      if (up === upstream) {
        const c = calls[t >= s.upgradeAt ? 'after' : 'before'];
        c.n++;
        c.retries += attempts - 1;
        if (!ok) c.exhausted++;
      }
      return true;
    },
    addHistogramBucket: () => true,
  };
  return { sink, values, times, calls };
}

function quantileOfSorted(v: Float64Array, p: number): number {
  return v[Math.min(v.length - 1, Math.floor(p * v.length))];
}

const lean = (extra: Partial<Scenario> = {}) => scenario({ endpoints: [BIG], upstreams: [PAYMENTS], ...extra });

describe('telemetry generator', () => {
  it('gives the big endpoint 50 k requests per 2 h window and the upstream 25 k calls (Poisson)', () => {
    const s = lean();
    const c = collector(s);
    generateTelemetry(s, 7, c.sink);
    for (const w of ['before', 'after'] as const) {
      expect(Math.abs(c.values[w].length - 50_000)).toBeLessThan(4 * Math.sqrt(50_000));
      expect(Math.abs(c.calls[w].n - 25_000)).toBeLessThan(4 * Math.sqrt(25_000));
    }
    const { start, stop } = windowRange(s, 'before');
    expect(Math.min(...c.times)).toBeGreaterThanOrEqual(start);
    expect(Math.max(...c.times)).toBeLessThan(stop + 2 * 3_600_000);
    expect(c.times.every(Number.isInteger)).toBe(true);
  });

  it('draws the same points for a range whether or not other ranges are generated with it', () => {
    const s = lean({ blocks: [block(10, 0.15, false)], daily: DAILY_QUEUE });
    const both = collector(s);
    generateTelemetry(s, 3, both.sink);
    const alone = collector(s);
    generateTelemetry(s, 3, alone.sink, [windowRange(s, 'after')]);
    expect(alone.values.after).toEqual(both.values.after);
    expect(alone.calls.after).toEqual(both.calls.after);
    const other = collector(s);
    generateTelemetry(s, 4, other.sink, [windowRange(s, 'after')]);
    expect(other.values.after.slice(0, 100)).not.toEqual(both.values.after.slice(0, 100));
  });

  it('places the incident on a whole minute inside its window', () => {
    const s = lean({ incident: { window: 'after', durationMs: 3 * MINUTE_MS, share: 0.25, factor: 3 } });
    const w = windowRange(s, 'after');
    for (let seed = 0; seed < 20; seed++) {
      const t = incidentStart(s, seed) as number;
      expect(t % MINUTE_MS).toBe(0);
      expect(t).toBeGreaterThanOrEqual(w.start);
      expect(t + 3 * MINUTE_MS).toBeLessThanOrEqual(w.stop);
    }
  });

  it('sends coarse histograms through addHistogramBucket as per-minute cumulative buckets', () => {
    const s = lean({ histogramLe: COARSE_LE });
    const w = buildWindows(s, 5);
    const l = w.latency.find((x) => x.endpoint === BIG.endpoint);
    expect(l?.before.kind).toBe('histogram');
    if (l?.before.kind !== 'histogram') return;
    expect([...l.before.upperBounds]).toEqual(COARSE_LE);
    const n = l.before.counts.reduce((a, b) => a + b, 0);
    expect(Math.abs(n - 50_000)).toBeLessThan(4 * Math.sqrt(50_000));
    expect(l.timeline?.count.slice(0, 120).reduce((a, b) => a + b, 0)).toBe(n);
  });

  it('tags the flag cohort in the subject name and pairs control with treatment for a concurrent comparison', () => {
    const s = lean({ cohort: { rollout: 0.1, tag: 'variant', control: 'off', treatment: 'on' } });
    const raw = buildWindows(s, 9);
    expect(raw.latency.map((l) => l.endpoint).sort()).toEqual(['/checkout;variant=off', '/checkout;variant=on']);
    const on = raw.latency.find((l) => l.endpoint.endsWith('=on'));
    const off = raw.latency.find((l) => l.endpoint.endsWith('=off'));
    const share = (x: typeof on) => (x?.after.kind === 'raw' ? x.after.values.length : 0);
    expect(share(on) / (share(on) + share(off))).toBeCloseTo(0.1, 1);
    expect(on?.before.kind === 'raw' && on.before.values.length).toBe(0); // the rollout starts at the upgrade
    const paired = cohortWindows(s, raw);
    expect(paired.latency).toHaveLength(1);
    expect(paired.latency[0].endpoint).toBe('/checkout');
    expect(paired.latency[0].before).toBe(off?.after);
    expect(paired.upstreams[0].upstream).toBe('payments-api');
  });

  it('has the same clock window on earlier days in the data (seasonal baseline)', () => {
    const s = lean({ daily: DAILY_QUEUE });
    const ref = seasonalReferenceRange(s, 2);
    expect(ref.start).toBe(s.upgradeAt - 2 * DAY_MS);
    const w = seasonalWindows(s, 11, 2);
    expect(w.before).toEqual(ref);
    const l = w.latency[0];
    expect(l.before.kind === 'raw' && l.before.values.length).toBeGreaterThan(60_000); // load ≈ 1.4 in that clock window
  });
});

describe('analytic truth vs a Monte-Carlo sample of the generator (≈ 600 k requests per window)', () => {
  const SEEDS = 12;
  const cases: Array<[string, Scenario]> = [
    ['independent', lean()],
    ['1-minute blocks, s = 0.15', lean({ blocks: [block(1, 0.15, false)] })],
    ['daily cycle with queueing tail', lean({ daily: { ...DAILY_QUEUE, dayEffectSigma: 0 } })],
    ['incident in the after window', lean({ incident: { window: 'after', durationMs: 3 * MINUTE_MS, share: 0.25, factor: 3 } })],
    ['slowest 2 % +12 %, integer ms', lean({ regressions: [SLOWEST_2_PLUS_12], integerMs: true })],
  ];
  it.each(cases)('%s', (_name, s) => {
    const c = collector(s);
    for (let seed = 0; seed < SEEDS; seed++) generateTelemetry(s, 500 + seed, c.sink);
    for (const w of ['before', 'after'] as const) {
      const sorted = Float64Array.from(c.values[w]).sort();
      for (const p of [0.5, 0.9, 0.99]) {
        const truth = trueLatencyQuantile(s, 0, w, p);
        // MC error of these quantiles is ≈ 0.1–0.4 % (1-minute blocks: 1440 block draws per window, s = 0.15)
        expect(Math.abs(quantileOfSorted(sorted, p) / truth - 1)).toBeLessThan(0.015);
      }
    }
  });

  it('retries per call and exhausted share, with and without a ×2 retry regression', () => {
    const s = lean({ endpoints: [], upstreams: [{ ...PAYMENTS, failProbability: 0.2, maxAttempts: 3 }], regressions: [RETRIES_X2] });
    const c = collector(s);
    for (let seed = 0; seed < SEEDS; seed++) generateTelemetry(s, 900 + seed, c.sink);
    expect(trueRetryRates(s, 0, 'before').retriesPerCall).toBeCloseTo(expectedRetries(0.2, 3), 12);
    for (const w of ['before', 'after'] as const) {
      const t = trueRetryRates(s, 0, w);
      const m = c.calls[w];
      expect(Math.abs(m.retries / m.n / t.retriesPerCall - 1)).toBeLessThan(0.01);
      expect(Math.abs(m.exhausted / m.n / t.exhaustedRate - 1)).toBeLessThan(0.05);
    }
    expect(trueRetryRates(s, 0, 'after').retriesPerCall / trueRetryRates(s, 0, 'before').retriesPerCall).toBeCloseTo(2, 10);
  });
});
