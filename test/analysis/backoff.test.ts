import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/analyze.ts';
import type { MetricWindows, UpstreamWindow } from '../../src/analysis/types.ts';
import { defaultSettings } from './settings.ts';

const noWaits = { kind: 'raw', values: new Float64Array(0) } as const;

function windows(before: UpstreamWindow, after: UpstreamWindow): MetricWindows {
  return {
    upgradeAt: 0,
    before: { start: -1, stop: 0 },
    after: { start: 0, stop: 1 },
    latency: [],
    upstreams: [{ service: 'shop', upstream: 'payments-api', before, after }],
    warnings: [],
  };
}

describe('backoff finding', () => {
  it('says the data carries no waits when retries were counted but no backoff values came (per-interval counters)', () => {
    const { report } = analyze(
      windows({ calls: 6000, retries: 140, exhausted: 0, backoff: noWaits }, { calls: 6000, retries: 330, exhausted: 2, backoff: noWaits }),
      defaultSettings(),
    );
    const f = report.findings.find((x) => x.kind === 'backoff')!;
    expect(f.status).toBe('insufficient_data');
    expect(f.reason).toMatch(/no backoff waits in the data for the 140 retries before and 330 after/);
    expect(f.reason).not.toMatch(/had 0 before and 0 after/);
  });

  it('keeps the count wording when there were simply few retried calls', () => {
    const few = { kind: 'raw', values: Float64Array.from([100, 120, 140]) } as const;
    const { report } = analyze(windows({ calls: 6000, retries: 3, exhausted: 0, backoff: few }, { calls: 6000, retries: 3, exhausted: 0, backoff: few }), defaultSettings());
    const f = report.findings.find((x) => x.kind === 'backoff')!;
    expect(f.reason).toMatch(/needs at least 20 retried calls in each window; had 3 before and 3 after/);
  });
});

describe('backoff finding on histograms with different bucket layouts', () => {
  const hist = (edges: number[], counts: number[]) => ({ kind: 'histogram', upperBounds: Float64Array.from(edges), counts: Float64Array.from(counts) }) as const;

  it('tests on the shared edges and finds waits that tripled', () => {
    const before = hist([50, 100, 200, 400, 800, Infinity], [300, 500, 150, 40, 10, 0]);
    const after = hist([50, 100, 150, 200, 400, 800, 1600, Infinity], [20, 60, 100, 120, 400, 250, 50, 0]);
    const { report } = analyze(windows({ calls: 20_000, retries: 1000, exhausted: 0, backoff: before }, { calls: 20_000, retries: 1000, exhausted: 0, backoff: after }), defaultSettings());
    const f = report.findings.find((x) => x.kind === 'backoff')!;
    expect(f.test).toBe('mann-whitney-u (binned)');
    expect(f.status).toBe('regression');
  });
});
